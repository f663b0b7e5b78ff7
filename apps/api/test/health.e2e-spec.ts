import { describe, expect, inject, it } from 'vitest';
import { DatabaseConnection } from '../src/database/database.js';
import { useTestApps } from './support/api-context.js';
import { httpClient } from './support/test-app.js';

// CI points this at its Redis; without one the "redis up" case is reported as skipped.
const redisUrl = process.env.TEST_REDIS_URL;
// Nothing listens here, so a node configured with it sees Redis as down.
const unreachableRedisUrl = 'redis://127.0.0.1:1';

const startApp = useTestApps();

describe('GET /health', () => {
  it('is ok with Redis disabled when REDIS_URL is unset', async () => {
    const sut = await startApp();
    const response = await httpClient(sut.baseUrl).get('/health');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', db: 'up', redis: 'disabled' });
  });

  it.skipIf(!redisUrl)('is ok with Redis up when REDIS_URL is reachable', async () => {
    const sut = await startApp({ REDIS_URL: redisUrl! });
    const client = httpClient(sut.baseUrl);
    await expect
      .poll(async () => (await client.get('/health')).body)
      .toEqual({
        status: 'ok',
        db: 'up',
        redis: 'up',
      });
  });

  it('is degraded, still 200, while a configured Redis is unreachable', async () => {
    const sut = await startApp({ REDIS_URL: unreachableRedisUrl });
    const response = await httpClient(sut.baseUrl).get('/health');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'degraded', db: 'up', redis: 'down' });
  });

  it('is 503 down while the database is unreachable', async () => {
    const sut = await startApp();
    await sut.app.get(DatabaseConnection).close();
    const response = await httpClient(sut.baseUrl).get('/health');

    expect(response.status).toBe(503);
    expect(response.body).toEqual({ status: 'down', db: 'down', redis: 'disabled' });
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text with process and event-loop metrics', async () => {
    const sut = await startApp();
    const response = await httpClient(sut.baseUrl).get('/metrics');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/^parley_process_resident_memory_bytes \d+/m);
    expect(response.body).toMatch(/^parley_nodejs_eventloop_lag_p99_seconds /m);
  });

  it('reports how long statements waited for a pooled connection', async () => {
    const sut = await startApp();
    const response = await httpClient(sut.baseUrl).get('/metrics');

    expect(response.body).toMatch(/^parley_db_pool_wait_seconds_bucket\{le="0.001"\} \d+$/m);
    expect(response.body).toMatch(/^parley_db_pool_waiting 0$/m);
    const checkouts = Number(/^parley_db_pool_wait_seconds_count (\d+)$/m.exec(response.body)?.[1]);
    // PGlite has no pool; on PostgreSQL at least the migration's checkout was timed.
    if (inject('databaseUrl')) expect(checkouts).toBeGreaterThan(0);
    else expect(checkouts).toBe(0);
  });
});
