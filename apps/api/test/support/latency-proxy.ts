import net from 'node:net';

/**
 * A TCP proxy in the test process that delays every chunk, both ways, by a fixed time (order
 * kept): a node behind it sees its Redis as if over a slow network link.
 */
export class LatencyProxy {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }, delayMs: number) {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new LatencyProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => {
      if (proxy.cut) {
        client.destroy();
        return;
      }
      const upstream = net.connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        proxy.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          proxy.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      // Timers of equal duration fire in the order they were set: chunks keep their order.
      const forward = (from: net.Socket, to: net.Socket) =>
        from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs));
      forward(client, upstream);
      forward(upstream, client);
    });
    return proxy;
  }

  /** Drops every connection and refuses new ones, until `restore`: the link is down. */
  cutLink(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restoreLink(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
