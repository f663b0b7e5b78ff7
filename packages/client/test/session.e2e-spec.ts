import type { TokenPair } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { httpClient, uniqueUsername } from '../../../apps/api/test/support/test-app.js';
import { ParleyApiError } from '../src/index.js';
import { PASSWORD, record, reopen, useApi } from './support/parley-clients.js';

const app = useApi();

/** A session registered behind the SDK's back, as an app that stored its tokens has one. */
async function registerRaw(): Promise<TokenPair & { userId: string }> {
  const response = await httpClient(app.baseUrl).post('/auth/register', {
    username: uniqueUsername('stored'),
    password: PASSWORD,
  });
  expect(response.status).toBe(201);
  return { ...response.body, userId: response.body.user.id };
}

/**
 * A client reopened from stored tokens whose access token the server rejects, so its first
 * request answers 401; `tokensSeen` records every token change it reports.
 */
function reopenWithRejectedAccessToken(refreshToken: string) {
  const tokensSeen: (TokenPair | null)[] = [];
  const sut = reopen({
    baseUrl: app.baseUrl,
    tokens: { accessToken: 'rejected.access.token', refreshToken },
    onTokens: (tokens) => tokensSeen.push(tokens),
  });
  return { sut, tokensSeen };
}

describe('session', () => {
  it('coalesces concurrent 401s into one refresh, so the rotating token is not reused', async () => {
    const { refreshToken, userId } = await registerRaw();
    // Every request below answers 401 first.
    const { sut, tokensSeen } = reopenWithRejectedAccessToken(refreshToken);
    const signedOut = record(sut, 'signedOut');

    const users = await Promise.all(Array.from({ length: 5 }, () => sut.http.me()));

    expect(users.map((user) => user.id)).toEqual(Array(5).fill(userId));
    expect(tokensSeen).toHaveLength(1);
    expect(tokensSeen[0]?.refreshToken).not.toBe(refreshToken);
    expect(signedOut).toHaveLength(0);
    // Reusing a spent token would have revoked the session; the rotated one still works.
    await expect(sut.http.me()).resolves.toMatchObject({ id: userId });
  });

  it('signs out when the server refuses the refresh token', async () => {
    const { refreshToken } = await registerRaw();
    await httpClient(app.baseUrl).post('/auth/logout', { refreshToken });
    const { sut, tokensSeen } = reopenWithRejectedAccessToken(refreshToken);
    const signedOut = record(sut, 'signedOut');

    const failure = await sut.http.me().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ParleyApiError);
    expect(failure).toMatchObject({ status: 401 });
    expect(signedOut).toHaveLength(1);
    expect(tokensSeen).toEqual([null]);
    expect(sut.userId).toBeNull();
    await expect(sut.connect()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('logs out on the server: the refresh token no longer works', async () => {
    const tokensSeen: (TokenPair | null)[] = [];
    const sut = reopen({ baseUrl: app.baseUrl, onTokens: (tokens) => tokensSeen.push(tokens) });
    const user = await sut.register({ username: uniqueUsername('leaver'), password: PASSWORD });
    expect(sut.userId).toBe(user.id);
    const refreshToken = tokensSeen[0]!.refreshToken;

    await sut.logout();

    expect(tokensSeen.at(-1)).toBeNull();
    expect(sut.userId).toBeNull();
    const refresh = await httpClient(app.baseUrl).post('/auth/refresh', { refreshToken });
    expect(refresh.status).toBe(401);
  });

  it('connects with a rejected access token by refreshing it first', async () => {
    const { refreshToken, userId } = await registerRaw();
    const { sut, tokensSeen } = reopenWithRejectedAccessToken(refreshToken);

    await sut.connect();

    expect(sut.status).toBe('connected');
    expect(tokensSeen).toHaveLength(1);
    expect(sut.userId).toBe(userId);
  });
});
