import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACCOUNT_POLICY, ADDRESS_POLICY } from '../../src/modules/auth/login-throttle.js';
import { registerUser } from '../support/chat-client.js';
import { httpClient, startTestApp, uniqueUsername, type TestApp } from '../support/test-app.js';

// The audit's login cases (issue 9, M3): the per-IP limit behind a proxy, and the per-account
// limit with growing delays. Addresses are simulated with X-Forwarded-For from loopback.
const databaseUrl = inject('databaseUrl');
const redisUrl = process.env.TEST_REDIS_URL;
const password = 'correct horse battery';

interface LoginResult {
  status: number;
  retryAfterSec: number;
}

async function loginVia(
  baseUrl: string,
  body: { username: string; password: string },
  forwardedFor?: string,
): Promise<LoginResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  await response.text();
  return { status: response.status, retryAfterSec: Number(response.headers.get('retry-after')) };
}

/** Logs in with a name that does not exist: only the limits decide between 401 and 429. */
const guess = (baseUrl: string, forwardedFor?: string) =>
  loginVia(baseUrl, { username: uniqueUsername('nobody'), password }, forwardedFor);

describe('per-IP auth limit behind a proxy (TRUST_PROXY)', () => {
  const started: TestApp[] = [];
  const start = async (environment: Record<string, string>) => {
    const app = await startTestApp({ AUTH_RATE_PER_MIN: '2', ...environment });
    started.push(app);
    return app.baseUrl;
  };
  afterAll(() => Promise.all(started.map((app) => app.close())));

  it('ignores X-Forwarded-For without TRUST_PROXY: a client cannot pick its own address', async () => {
    const baseUrl = await start({});
    const statuses = [];
    for (const forwardedFor of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      statuses.push((await guess(baseUrl, forwardedFor)).status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('with a hop count, keys on the address the trusted proxy saw, not on spoofed entries', async () => {
    const baseUrl = await start({ TRUST_PROXY: '1' });

    expect((await guess(baseUrl, 'spoofed-1, 203.0.113.1')).status).toBe(401);
    expect((await guess(baseUrl, '198.51.100.9, 203.0.113.1')).status).toBe(401);
    expect((await guess(baseUrl, '203.0.113.1')).status).toBe(429);
    expect((await guess(baseUrl, '203.0.113.2')).status).toBe(401);
  });

  it('with proxy CIDRs, walks X-Forwarded-For from the right past the trusted proxies', async () => {
    const baseUrl = await start({ TRUST_PROXY: '127.0.0.0/8, 10.0.0.0/8' });

    expect((await guess(baseUrl, '203.0.113.7, 10.1.1.1')).status).toBe(401);
    expect((await guess(baseUrl, 'spoofed, 203.0.113.7, 10.2.2.2, 10.1.1.1')).status).toBe(401);
    expect((await guess(baseUrl, '203.0.113.7')).status).toBe(429);
    expect((await guess(baseUrl, '203.0.113.8, 10.1.1.1')).status).toBe(401);
  });
});

const deployments: { name: string; nodes: number; environment: Record<string, string> }[] = [
  { name: 'one node without Redis', nodes: 1, environment: {} },
  ...(databaseUrl && redisUrl
    ? [{ name: 'two nodes sharing Redis', nodes: 2, environment: { REDIS_URL: redisUrl } }]
    : []),
];

describe.each(deployments)('per-account login limit, $name', ({ nodes, environment }) => {
  let apps: TestApp[] = [];
  /** The node each request goes to, in turn: the limit must hold across nodes. */
  let nodeUrl: (index: number) => string;

  beforeAll(async () => {
    apps = [];
    for (let index = 0; index < nodes; index++) {
      apps.push(await startTestApp({ TRUST_PROXY: '1', ...environment }));
    }
    nodeUrl = (index) => apps[index % apps.length]!.baseUrl;
  });
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it('lets far fewer than 150 guesses from 5 addresses reach the password check', async () => {
    const victim = await registerUser(httpClient(nodeUrl(0)));
    const outcomes: LoginResult[] = [];
    for (let attempt = 0; attempt < 150; attempt++) {
      outcomes.push(
        await loginVia(
          nodeUrl(attempt),
          { username: victim.user.username, password: `wrong password ${attempt}` },
          `10.9.0.${attempt % 5}`,
        ),
      );
    }

    const checked = outcomes.filter((outcome) => outcome.status === 401).length;
    const refused = outcomes.filter((outcome) => outcome.status === 429);
    expect(checked).toBeGreaterThanOrEqual(ACCOUNT_POLICY.freeFailures);
    // The free failures, plus the few whose growing delay passed while the loop ran.
    expect(checked).toBeLessThanOrEqual(ACCOUNT_POLICY.freeFailures + 3);
    expect(checked + refused.length).toBe(150);
    expect(refused.every((outcome) => outcome.retryAfterSec >= 1)).toBe(true);
  });

  it('counts concurrent guesses before checking any password', async () => {
    const victim = await registerUser(httpClient(nodeUrl(0)));
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, attempt) =>
        loginVia(
          nodeUrl(attempt),
          { username: victim.user.username, password: 'wrong password' },
          '10.8.0.1',
        ),
      ),
    );

    const checked = outcomes.filter((outcome) => outcome.status === 401).length;
    expect(checked).toBe(ADDRESS_POLICY.freeFailures);
  });

  it('lets the real user in during an attack: at once from their usual address, after the delay from a new one', async () => {
    const victim = await registerUser(httpClient(nodeUrl(0)));
    const credentials = { username: victim.user.username, password };
    const usualAddress = '192.0.2.50';
    expect((await loginVia(nodeUrl(0), credentials, usualAddress)).status).toBe(200);
    for (let attempt = 0; attempt < 60; attempt++) {
      await loginVia(
        nodeUrl(attempt),
        { username: victim.user.username, password: 'wrong password' },
        `10.7.0.${attempt % 5}`,
      );
    }

    expect((await loginVia(nodeUrl(1), credentials, usualAddress)).status).toBe(200);
    const fromNewAddress = await loginVia(nodeUrl(0), credentials, '198.51.100.20');
    expect(fromNewAddress.status).toBe(429);
    expect(fromNewAddress.retryAfterSec).toBeLessThanOrEqual(10);

    await sleep(fromNewAddress.retryAfterSec * 1000);
    expect((await loginVia(nodeUrl(1), credentials, '198.51.100.20')).status).toBe(200);
  });
});
