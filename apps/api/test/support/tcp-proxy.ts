import net from 'node:net';

/**
 * How the proxy fails while paused:
 * - `refuse`: stops listening, so new connections get ECONNREFUSED (PostgreSQL is down);
 * - `blackhole`: accepts new connections and never answers (a hung server);
 * - `partition`: keeps every connection open but stops moving bytes, old ones included (a silent
 *   network partition: no FIN, no RST).
 */
export type OutageKind = 'refuse' | 'blackhole' | 'partition';

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
}

/**
 * A TCP proxy in the test process between the API and PostgreSQL, to take the database away
 * and give it back without touching the PostgreSQL server other suites use.
 * @example const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private readonly held = new Set<net.Socket>();
  private outage?: OutageKind;
  private listening = false;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new TcpProxy(server, target, (server.address() as net.AddressInfo).port);
    proxy.listening = true;
    return proxy;
  }

  /** Connections currently forwarded (or frozen by a partition). */
  get connectionCount(): number {
    return this.pairs.size;
  }

  /**
   * Takes the database away. `refuse` and `blackhole` first cut every proxied connection, as
   * a PostgreSQL restart does; `partition` leaves them open and silent.
   */
  async pause(kind: OutageKind): Promise<void> {
    this.outage = kind;
    if (kind === 'partition') {
      for (const pair of this.pairs) {
        // Unpiped first: a pipe would resume its source on the next 'drain'.
        pair.client.unpipe();
        pair.upstream?.unpipe();
        pair.client.pause();
        pair.upstream?.pause();
      }
      return;
    }
    for (const pair of this.pairs) this.cut(pair);
    if (kind === 'refuse' && this.listening) {
      this.listening = false;
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }

  /** Gives the database back: held connections are cut, frozen ones flow again. */
  async resume(): Promise<void> {
    const kind = this.outage;
    this.outage = undefined;
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    if (kind === 'partition') {
      for (const pair of this.pairs) {
        if (pair.upstream) this.join(pair.client, pair.upstream);
      }
    }
    if (!this.listening) {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.port, '127.0.0.1', () => {
          this.server.off('error', reject);
          resolve();
        });
      });
      this.listening = true;
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.cut(pair);
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    if (this.listening) {
      this.listening = false;
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.outage === 'refuse') {
      client.destroy();
      return;
    }
    if (this.outage === 'blackhole' || this.outage === 'partition') {
      this.held.add(client);
      client.on('close', () => this.held.delete(client));
      return;
    }
    const pair: Pair = { client };
    this.pairs.add(pair);
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', () => undefined);
    this.join(client, upstream);
    const cut = () => this.cut(pair);
    client.on('close', cut);
    upstream.on('close', cut);
  }

  private join(client: net.Socket, upstream: net.Socket): void {
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private cut(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
