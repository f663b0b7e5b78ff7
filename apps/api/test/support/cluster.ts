import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HealthReport } from '@parley/protocol';
import { expect, vi } from 'vitest';
import { freePort } from '../../../../bench/src/free-port.js';
import { TEST_JWT_SECRET } from './test-app.js';

const mainScript = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A private redis-server this suite may kill and restart. */
export class PrivateRedis {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await vi.waitFor(
      async () => {
        const answer = await new Promise<string>((resolve) => {
          const probe = spawn('redis-cli', ['-p', String(this.port), 'ping'], { stdio: 'pipe' });
          let output = '';
          probe.stdout.on('data', (chunk) => (output += chunk));
          probe.on('exit', () => resolve(output));
        });
        expect(answer, `redis on port ${this.port}`).toContain('PONG');
      },
      { timeout: 10_000, interval: 100 },
    );
  }

  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
    this.child = undefined;
  }
}

/** An API node in its own process, from the built `dist/main.js`. */
export class ApiNode {
  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly output: string[],
  ) {}

  static async start(environment: Record<string, string>): Promise<ApiNode> {
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(process.execPath, [mainScript], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'warn',
        // Suites open many sockets per user in bursts (reconnect storms, stress tests).
        HANDSHAKE_RATE_BURST: '100000',
        PARLEY_DATA_DIR: mkdtempSync(join(tmpdir(), 'parley-node-')),
        ...environment,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const node = new ApiNode(child, `http://127.0.0.1:${port}`, output);
    await vi
      .waitFor(
        async () =>
          expect((await fetch(`${node.baseUrl}/health`)).ok, `API node on port ${port}`).toBe(true),
        { timeout: 20_000, interval: 100 },
      )
      .catch((error: Error) => {
        child.kill('SIGKILL');
        throw new Error(`${error.message}\n${output.join('')}`);
      });
    return node;
  }

  /** Sends `signal` and resolves with the exit code once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    return exited(this.child);
  }

  async health(): Promise<{ status: number; body: HealthReport }> {
    const response = await fetch(`${this.baseUrl}/health`);
    return { status: response.status, body: (await response.json()) as HealthReport };
  }
}
