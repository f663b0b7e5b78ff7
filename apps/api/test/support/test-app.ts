import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import { expect, inject } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/app-config.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface TestApp {
  app: NestExpressApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts a real API node on a free loopback port against this run's database (serving the web
 * app from `webAppFolder` when given); with `logDestination`, its log lines go there (set
 * LOG_LEVEL too: the default is silent).
 */
export interface TestAppOptions {
  webAppFolder?: string;
  logDestination?: DestinationStream;
}

export async function startTestApp(
  environment: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: inject('databaseUrl'),
    PARLEY_DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    AUTH_RATE_PER_MIN: '100000',
    // Suites open many sockets per user in bursts (reconnect storms, stress tests).
    HANDSHAKE_RATE_BURST: '100000',
    ...environment,
  });
  const app = await createApp(config, options);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A raw HTTP client: tests check the wire exactly as a third-party client sees it. `baseUrl` may
 * be a function, read on each request, for a client made before its node has started.
 */
export function httpClient(baseUrl: string | (() => string)) {
  const base = typeof baseUrl === 'function' ? baseUrl : () => baseUrl;
  async function request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; token?: string; contentType?: string } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = {};
    const payload =
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${base()}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (e.g. /metrics): keep the text.
    }
    return { status: response.status, body: body as T, headers: response.headers };
  }
  return {
    request,
    get: <T = any>(path: string, token?: string) => request<T>('GET', path, { token }),
    post: <T = any>(path: string, body?: unknown, token?: string) =>
      request<T>('POST', path, { body, token }),
  };
}

/** The contract's error body (`{statusCode, error, message}`) with `status`. */
export function expectContractError(response: { status: number; body: unknown }, status: number) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({
    statusCode: status,
    error: expect.any(String),
    message: expect.any(String),
  });
}

/** A username unique to this run, so suites can share one database. */
export function uniqueUsername(prefix = 'user'): string {
  return `${prefix.slice(0, 12)}_${randomBytes(8).toString('hex')}`;
}
