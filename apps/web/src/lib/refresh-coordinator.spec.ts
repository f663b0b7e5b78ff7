import type { TokenPair } from '@parley/protocol';
import { describe, expect, it, vi } from 'vitest';
import { coordinatedRefreshFetch, tokenSubject } from './refresh-coordinator';

const token = (sub: string, serial: number) =>
  `e30.${Buffer.from(JSON.stringify({ sub, serial })).toString('base64url')}.sig`;
const pair = (sub: string, serial: number): TokenPair => ({
  accessToken: token(sub, serial),
  refreshToken: `refresh-${sub}-${serial}`,
});

const refreshRequest = (refreshToken: string): [string, RequestInit] => [
  'http://localhost:3000/auth/refresh',
  { method: 'POST', body: JSON.stringify({ refreshToken }) },
];

function setup(stored: TokenPair | null, userId = 'ann') {
  const storage = { tokens: stored };
  const serverFetch = vi.fn(async () => Response.json(pair('ann', 9)));
  const sut = coordinatedRefreshFetch({
    fetch: serverFetch as unknown as typeof fetch,
    readStored: () => storage.tokens,
    store: (tokens) => {
      storage.tokens = tokens;
    },
    currentUserId: () => userId,
  });
  return { sut, serverFetch, storage };
}

describe('tokenSubject', () => {
  it('reads sub, or null for anything else', () => {
    expect(tokenSubject(token('ann', 1))).toBe('ann');
    expect(tokenSubject('not-a-token')).toBeNull();
  });
});

describe('coordinatedRefreshFetch', () => {
  it('refreshes with the server and stores the rotated pair itself', async () => {
    const { sut, serverFetch, storage } = setup(pair('ann', 1));
    const response = await sut(...refreshRequest('refresh-ann-1'));
    expect(serverFetch).toHaveBeenCalledTimes(1);
    expect(await response.json()).toEqual(pair('ann', 9));
    expect(storage.tokens).toEqual(pair('ann', 9));
  });

  it('takes the pair another tab rotated instead of spending a spent token', async () => {
    const { sut, serverFetch } = setup(pair('ann', 2));
    const response = await sut(...refreshRequest('refresh-ann-1'));
    expect(serverFetch).not.toHaveBeenCalled();
    expect(await response.json()).toEqual(pair('ann', 2));
  });

  it('never takes the pair of another user', async () => {
    const { sut, serverFetch } = setup(pair('ben', 2));
    await sut(...refreshRequest('refresh-ann-1'));
    expect(serverFetch).toHaveBeenCalledTimes(1);
  });

  it('passes other requests through untouched', async () => {
    const { sut, serverFetch } = setup(pair('ann', 2));
    await sut('http://localhost:3000/users/me', { method: 'GET' });
    expect(serverFetch).toHaveBeenCalledWith('http://localhost:3000/users/me', { method: 'GET' });
  });

  it('returns a refused refresh as it came, storing nothing', async () => {
    const storage = { tokens: pair('ann', 1) };
    const refused = coordinatedRefreshFetch({
      fetch: (async () => new Response('{}', { status: 401 })) as unknown as typeof fetch,
      readStored: () => storage.tokens,
      store: (tokens) => {
        storage.tokens = tokens;
      },
      currentUserId: () => 'ann',
    });
    expect((await refused(...refreshRequest('refresh-ann-1'))).status).toBe(401);
    expect(storage.tokens).toEqual(pair('ann', 1));
  });

  it('lets one of two tabs refreshing at once ask the server; the other takes its pair', async () => {
    const storage = { tokens: pair('ann', 1) as TokenPair | null };
    let queue: Promise<unknown> = Promise.resolve();
    const locks = {
      request: ((_name: string, callback: (lock: Lock | null) => Promise<unknown>) => {
        const run = queue.then(() => callback(null));
        queue = run.catch(() => undefined);
        return run;
      }) as LockManager['request'],
    };
    const serverFetch = vi.fn(async () => Response.json(pair('ann', 2)));
    const tab = () =>
      coordinatedRefreshFetch({
        fetch: serverFetch as unknown as typeof fetch,
        readStored: () => storage.tokens,
        store: (tokens) => {
          storage.tokens = tokens;
        },
        currentUserId: () => 'ann',
        locks,
      });
    const answers = await Promise.all([
      tab()(...refreshRequest('refresh-ann-1')),
      tab()(...refreshRequest('refresh-ann-1')),
    ]);
    expect(serverFetch).toHaveBeenCalledTimes(1);
    for (const answer of answers) expect(await answer.json()).toEqual(pair('ann', 2));
  });
});
