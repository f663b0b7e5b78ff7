import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from './free-port.js';
import { randomHex, sleep, waitFor } from './util.js';

// PARLEY_MAIN: another build of the API to start instead (e.g. a copy of the build before a change).
const parleyMain =
  process.env.PARLEY_MAIN ?? fileURLToPath(new URL('../../apps/api/dist/main.js', import.meta.url));
const baselineMain = fileURLToPath(new URL('./baseline/server.js', import.meta.url));

/**
 * Everything the bench started, stopped in reverse order on the way out: normally, on an error,
 * and on SIGINT/SIGTERM. Child processes are also killed outright if the process exits anyway.
 */
export class Teardown {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  private readonly children = new Set<ChildProcess>();
  private running?: Promise<void>;

  constructor() {
    process.on('exit', () => {
      for (const child of this.children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  }

  /** True once teardown has begun: nothing new may start. */
  get closing(): boolean {
    return this.running !== undefined;
  }

  add(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
    // Added while tearing down (a scenario still finishing): undo it right away.
    if (this.running) void this.running.then(() => this.run());
  }

  trackChild(child: ChildProcess): void {
    if (this.closing) child.kill('SIGKILL');
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  run(): Promise<void> {
    if (this.running && this.steps.length > 0) {
      this.running = this.running.then(() => this.drain());
    }
    this.running ??= this.drain();
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (error) {
        console.error(`teardown: ${step.what} failed: ${(error as Error).message}`);
      }
    }
  }
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops a child with `signal`, and with SIGKILL if it is still there after `graceMs`. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 15_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** A private redis-server on a free port, without persistence. */
export class PrivateRedis {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(teardown: Teardown): Promise<PrivateRedis> {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    teardown.trackChild(child);
    const redis = new PrivateRedis(port, child);
    teardown.add('redis-server', () => stopChild(child, 'SIGTERM', 5_000));
    const probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error('redis-server exited');
          if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
          return (await probe.ping()) === 'PONG';
        },
        10_000,
        `redis-server on port ${port}`,
      );
    } finally {
      probe.disconnect();
    }
    return redis;
  }

  /** used_cpu_user + used_cpu_sys of the redis-server, in seconds. */
  async cpuSeconds(): Promise<number> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      const info = await client.info('cpu');
      const value = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
      return value('used_cpu_user') + value('used_cpu_sys');
    } finally {
      client.disconnect();
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
}

/** A fresh database `parley_bench_<random>` on the given server, dropped at the end. */
export class BenchDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(adminUrl: string, teardown: Teardown): Promise<BenchDatabase> {
    const name = `parley_bench_${randomHex(4)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    teardown.add(`drop database ${name}`, async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    });
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return new BenchDatabase(name, url.toString());
  }
}

export type ServerKind = 'parley' | 'baseline';

export interface ServerOptions {
  kind: ServerKind;
  databaseUrl: string;
  redisUrl?: string;
  poolSize: number;
  jwtSecret: string;
  /** Folder for `--cpu-prof` profiles of Parley nodes; unset: no profiling. */
  profileDir?: string;
  port?: number;
}

/** One server process (a Parley API node or a baseline node) on a port of 127.0.0.1. */
export class ServerProcess {
  private child?: ChildProcess;
  private readonly output: string[] = [];
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-node-'));

  private constructor(
    readonly options: ServerOptions,
    readonly port: number,
    private readonly teardown: Teardown,
  ) {
    teardown.add(`${options.kind} node data dir`, async () =>
      rmSync(this.dataDir, { recursive: true, force: true }),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(options: ServerOptions, teardown: Teardown): Promise<ServerProcess> {
    if (teardown.closing) throw new Error('the bench is stopping');
    const server = new ServerProcess(options, options.port ?? (await freePort()), teardown);
    teardown.add(`${options.kind} node :${server.port}`, () => server.stop());
    await server.launch();
    return server;
  }

  /** Starts the process (again, on the same port) and waits until `/health` answers 200. */
  async launch(): Promise<void> {
    const { options } = this;
    const common = {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(this.port),
      DATABASE_URL: options.databaseUrl,
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    };
    const environment =
      options.kind === 'parley'
        ? {
            ...common,
            NODE_ENV: 'production',
            DATABASE_POOL_SIZE: String(options.poolSize),
            JWT_SECRET: options.jwtSecret,
            ACCESS_TOKEN_TTL_SEC: String(24 * 3600),
            SEND_RATE_BURST: '1000000',
            SEND_RATE_PER_SEC: '1000000',
            AUTH_RATE_PER_MIN: '1000000',
            CONVERSATION_CREATE_RATE_PER_MIN: '1000000',
            GROUP_CHANGE_RATE_PER_MIN: '1000000',
            // The load generator is one client driving many users hard; the per-user limits and
            // the socket cap still run (and cost what they cost), they just never refuse.
            MAX_SOCKETS_PER_USER: '1000000',
            READ_RATE_BURST: '1000000',
            READ_RATE_PER_SEC: '1000000',
            USER_SEARCH_PER_MIN: '1000000',
            HANDSHAKE_RATE_BURST: '1000000',
            HANDSHAKE_RATE_PER_SEC: '1000000',
            LOG_LEVEL: 'warn',
            // Group commit settings to compare, when the bench's environment sets them.
            ...pick(process.env, ['SEND_BATCH_MAX', 'SEND_BATCHES_IN_FLIGHT']),
            PARLEY_DATA_DIR: this.dataDir,
          }
        : { ...common, POOL_SIZE: String(options.poolSize) };
    const nodeArguments = [
      ...(options.profileDir && options.kind === 'parley'
        ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir]
        : []),
      options.kind === 'parley' ? parleyMain : baselineMain,
    ];
    const child = spawn(process.execPath, nodeArguments, {
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.teardown.trackChild(child);
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
          return (await fetch(`${this.url}/health`)).ok;
        },
        30_000,
        `${options.kind} node on port ${this.port}`,
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${this.output.join('').slice(-4000)}`);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child) await stopChild(this.child, signal);
  }

  /** Stops the process and starts it again on the same port. */
  async restart(signal: NodeJS.Signals): Promise<{ stoppedAt: number; upAt: number }> {
    await this.stop(signal);
    const stoppedAt = performance.now();
    // The listening port is released with the process; give the kernel a moment anyway.
    await sleep(50);
    await this.launch();
    return { stoppedAt, upAt: performance.now() };
  }

  recentOutput(): string {
    return this.output.join('').slice(-4000);
  }
}

/** The variables of `names` that `environment` sets. */
function pick(environment: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => (environment[name] ? [[name, environment[name]]] : [])),
  );
}
