import { describe, expect, it, vi } from 'vitest';
import { coordinatedRefreshFetch } from './refresh-coordinator';

/** A LockManager of one lock, granted in request order, as the browser's is across tabs. */
function fakeLocks() {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    request: ((_name: string, callback: (lock: Lock | null) => Promise<unknown>) => {
      const run = queue.then(() => callback(null));
      queue = run.catch(() => undefined);
      return run;
    }) as LockManager['request'],
  };
}

/**
 * The server's view of one cookie session: each refresh spends the cookie it carries and sets
 * the next; a spent one coming back revokes the session.
 */
function cookieServer() {
  const state = { cookie: 1, revoked: false, inFlight: 0, maxInFlight: 0 };
  const fetch = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
    const presented = state.cookie;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    state.inFlight--;
    if (init?.method !== 'POST') return new Response('{}');
    if (presented !== state.cookie) state.revoked = true;
    if (state.revoked) return new Response('{}', { status: 401 });
    state.cookie++;
    return Response.json({ accessToken: `access-${state.cookie}` });
  });
  return { state, fetch: fetch as unknown as typeof globalThis.fetch };
}

const refresh = ['http://localhost:3000/auth/refresh', { method: 'POST', body: '{}' }] as const;

describe('coordinatedRefreshFetch', () => {
  it('lets tabs refreshing at once take turns, so no spent cookie comes back', async () => {
    const server = cookieServer();
    const locks = fakeLocks();
    const tabs = Array.from({ length: 3 }, () =>
      coordinatedRefreshFetch({ fetch: server.fetch, locks }),
    );
    const answers = await Promise.all(tabs.map((tab) => tab(...refresh)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(server.state).toMatchObject({ cookie: 4, revoked: false, maxInFlight: 1 });
  });

  it('without the lock the same race revokes the session (what the lock prevents)', async () => {
    const server = cookieServer();
    const tabs = Array.from({ length: 2 }, () => coordinatedRefreshFetch({ fetch: server.fetch }));
    await Promise.all(tabs.map((tab) => tab(...refresh)));
    expect(server.state.revoked).toBe(true);
  });

  it('takes the lock for logins and logouts too, and for nothing else', async () => {
    const granted = fakeLocks();
    let grants = 0;
    const locks = {
      request: ((name: string, callback: (lock: Lock | null) => Promise<unknown>) => {
        grants++;
        return granted.request(name, callback);
      }) as LockManager['request'],
    };
    const server = cookieServer();
    const sut = coordinatedRefreshFetch({ fetch: server.fetch, locks });
    await sut('http://localhost:3000/auth/login', { method: 'POST', body: '{}' });
    await sut('http://localhost:3000/auth/logout', { method: 'POST', body: '{}' });
    await sut('http://localhost:3000/users/me', { method: 'GET' });
    await sut('http://localhost:3000/conversations', { method: 'POST', body: '{}' });
    expect(grants).toBe(2);
    expect(server.fetch).toHaveBeenCalledTimes(4);
  });
});
