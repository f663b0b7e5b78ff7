import type { TokenPair, TokenResponse } from '@parley/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParleyApiError } from './http-client.js';
import { ParleySession, type ParleySessionOptions } from './session.js';

function token(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256' })}.${encode(claims)}.signature`;
}

function tokenPair(serial: number, lifetimeSec = 900): TokenPair {
  const iat = Math.floor(Date.now() / 1000);
  return {
    accessToken: token({ sub: 'user-1', sid: 'session-1', iat, exp: iat + lifetimeSec, serial }),
    refreshToken: `refresh-${serial}`,
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

function createSession(overrides: Partial<ParleySessionOptions> = {}) {
  const tokensSeen: (TokenResponse | null)[] = [];
  const onEnded = vi.fn();
  const sut = new ParleySession({
    tokens: tokenPair(1),
    refreshTokens: async () => tokenPair(2),
    onTokens: (tokens) => tokensSeen.push(tokens),
    onEnded,
    refreshLeewayMs: 30_000,
    backoff: { initialDelayMs: 1000, maxDelayMs: 8000, randomizationFactor: 0 },
    ...overrides,
  });
  return { sut, tokensSeen, onEnded };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ParleySession', () => {
  it('coalesces concurrent refreshes into one request with the current refresh token', async () => {
    const answer = deferred<TokenPair>();
    const refreshTokens = vi.fn(() => answer.promise);
    const { sut, tokensSeen } = createSession({ refreshTokens });
    const staleToken = sut.accessToken;

    const refreshes = [sut.refresh(), sut.freshAccessToken(staleToken), sut.refresh()];
    answer.resolve(tokenPair(2));
    const tokens = await Promise.all(refreshes);

    expect(refreshTokens).toHaveBeenCalledTimes(1);
    expect(refreshTokens).toHaveBeenCalledWith('refresh-1');
    expect(new Set(tokens).size).toBe(1);
    expect(sut.refreshToken).toBe('refresh-2');
    expect(tokensSeen.at(-1)).toEqual({ accessToken: tokens[0], refreshToken: 'refresh-2' });
    sut.stop();
  });

  it('does not refresh again for a token that was already replaced', async () => {
    const refreshTokens = vi.fn(async () => tokenPair(2));
    const { sut } = createSession({ refreshTokens });
    const rejectedToken = sut.accessToken;
    await sut.refresh();

    expect(await sut.freshAccessToken(rejectedToken)).toBe(sut.accessToken);
    expect(refreshTokens).toHaveBeenCalledTimes(1);
    sut.stop();
  });

  it('ends the session when the server refuses the refresh token', async () => {
    const refused = new ParleyApiError(401, {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'refresh token was already used; session revoked',
    });
    const { sut, tokensSeen, onEnded } = createSession({
      refreshTokens: () => Promise.reject(refused),
    });

    await expect(sut.refresh()).rejects.toBe(refused);
    expect(onEnded).toHaveBeenCalledTimes(1);
    expect(sut.accessToken).toBeNull();
    expect(tokensSeen).toEqual([null]);
  });

  it('keeps the session and retries with backoff after a passing failure', async () => {
    vi.useFakeTimers();
    const refreshTokens = vi
      .fn<(refreshToken: string | undefined) => Promise<TokenPair>>()
      .mockRejectedValueOnce(new TypeError('fetch failed'))
      .mockResolvedValueOnce(tokenPair(2));
    const { sut, onEnded } = createSession({ refreshTokens });

    await expect(sut.refresh()).rejects.toThrow('fetch failed');
    expect(sut.refreshToken).toBe('refresh-1');
    await vi.advanceTimersByTimeAsync(1000);

    expect(refreshTokens).toHaveBeenCalledTimes(2);
    expect(sut.refreshToken).toBe('refresh-2');
    expect(onEnded).not.toHaveBeenCalled();
    sut.stop();
  });

  it('refreshes shortly before the access token expires', async () => {
    vi.useFakeTimers();
    const refreshTokens = vi.fn(async () => tokenPair(2, 2));
    const { sut } = createSession({ tokens: null, refreshTokens });
    sut.start(tokenPair(1, 2));

    await vi.advanceTimersByTimeAsync(599);
    expect(refreshTokens).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(refreshTokens).toHaveBeenCalledTimes(1);
    // The rotated token is timed again: the next refresh follows 0.6 s later.
    await vi.advanceTimersByTimeAsync(600);
    expect(refreshTokens).toHaveBeenCalledTimes(2);
    sut.stop();
  });

  it('discards a refresh that finishes after the session was cleared', async () => {
    const answer = deferred<TokenPair>();
    const { sut } = createSession({ refreshTokens: () => answer.promise });
    const refreshing = sut.refresh();
    sut.clear();
    answer.resolve(tokenPair(2));

    await expect(refreshing).rejects.toThrow(/cleared/);
    expect(sut.accessToken).toBeNull();
  });

  it('stops its timer, but still stores tokens of a refresh in flight', async () => {
    vi.useFakeTimers();
    const answer = deferred<TokenPair>();
    const refreshTokens = vi.fn(() => answer.promise);
    const { sut, tokensSeen } = createSession({ refreshTokens });
    const refreshing = sut.refresh();
    sut.stop();
    answer.resolve(tokenPair(2, 2));
    await refreshing;

    expect(tokensSeen.at(-1)?.refreshToken).toBe('refresh-2');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(refreshTokens).toHaveBeenCalledTimes(1);
  });

  it('resumes a cookie session without tokens; a plain refresh without tokens is refused', async () => {
    const refreshTokens = vi.fn(async (refreshToken: string | undefined) => {
      expect(refreshToken).toBeUndefined();
      return { accessToken: tokenPair(2).accessToken };
    });
    const { sut } = createSession({ tokens: null, refreshTokens });

    await expect(sut.refresh()).rejects.toThrow('Not signed in');
    expect(refreshTokens).not.toHaveBeenCalled();
    expect(await sut.resume()).toBe(tokenPair(2).accessToken);
    expect(sut.userId).toBe('user-1');
    expect(sut.refreshToken).toBeNull();
    sut.stop();
  });

  it('ends a resumed session the server refuses', async () => {
    const refused = new ParleyApiError(401, {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'invalid refresh token',
    });
    const { sut, onEnded } = createSession({
      tokens: null,
      refreshTokens: () => Promise.reject(refused),
    });
    await expect(sut.resume()).rejects.toBe(refused);
    expect(onEnded).toHaveBeenCalledTimes(1);
    expect(sut.accessToken).toBeNull();
  });
});
