import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../../bench/src/free-port';
import { repoRoot } from './paths';

const mainScript = join(repoRoot, 'apps/api/dist/main.js');
/** Fixed, so tokens issued before a restart stay valid after it. */
const JWT_SECRET = 'web-e2e-secret-that-is-at-least-32-characters';

/**
 * The built API in its own process, serving the built web app at `/`. It can be stopped and
 * started again on the same port with the same data (PGlite folder or database).
 */
export class ApiServer {
  private child: ChildProcess | null = null;
  private output: string[] = [];

  private constructor(
    readonly port: number,
    private readonly dataDir: string,
    private readonly databaseUrl: string,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async create(databaseUrl: string): Promise<ApiServer> {
    const server = new ApiServer(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'parley-web-e2e-')),
      databaseUrl,
    );
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    this.output = [];
    const child = spawn(process.execPath, [mainScript], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        JWT_SECRET,
        LOG_LEVEL: 'warn',
        AUTH_RATE_PER_MIN: '1000',
        // The paging test creates 33 conversations as one user at once.
        CONVERSATION_CREATE_RATE_PER_MIN: '1000',
        PARLEY_DATA_DIR: this.dataDir,
        ...(this.databaseUrl ? { DATABASE_URL: this.databaseUrl } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const healthy = await fetch(`${this.baseUrl}/health`).then(
        (response) => response.ok,
        () => false,
      );
      if (healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`The API did not start on port ${this.port}:\n${this.output.join('')}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killTimer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Registers someone over REST (for people the browsers only need to find). */
  async register(username: string, displayName?: string): Promise<{ id: string }> {
    const response = await fetch(`${this.baseUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'password-123', displayName }),
    });
    if (!response.ok) throw new Error(`register ${username}: ${response.status}`);
    return ((await response.json()) as { user: { id: string } }).user;
  }
}
