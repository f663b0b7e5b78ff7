import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import {
  expectContractError,
  httpClient,
  startTestApp,
  TEST_JWT_SECRET,
  uniqueUsername,
} from './support/test-app.js';

const password = 'correct horse battery';

const sut = useTestApp();
const { http } = sut;

async function register(username = uniqueUsername(), displayName?: string) {
  const response = await http.post('/auth/register', { username, password, displayName });
  expect(response.status).toBe(201);
  return response.body as {
    user: { id: string; username: string };
    accessToken: string;
    refreshToken: string;
  };
}

function signToken(claims: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('POST /auth/register', () => {
  it('creates the user, folds the name to lower case and returns a token pair', async () => {
    const username = uniqueUsername('Alice');
    const response = await http.post('/auth/register', { username, password });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      user: {
        id: expect.any(String),
        username: username.toLowerCase(),
        displayName: username.toLowerCase(),
      },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
  });

  it('keeps a given display name', async () => {
    const { user } = await register(uniqueUsername(), 'Alice Liddell');
    expect(user).toMatchObject({ displayName: 'Alice Liddell' });
  });

  it('answers 409 for a taken name in any case', async () => {
    const username = uniqueUsername('bob');
    await register(username);
    expectContractError(
      await http.post('/auth/register', { username: username.toUpperCase(), password }),
      409,
    );
  });

  it('lets exactly one of several concurrent registrations of a name win', async () => {
    const username = uniqueUsername('race');
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => http.post('/auth/register', { username, password })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it.each([
    ['a too short username', { username: 'ab', password }],
    ['a too long username', { username: 'a'.repeat(33), password }],
    ['a username with a space', { username: 'has space', password }],
    ['a too short password', { username: uniqueUsername(), password: 'short' }],
    ['a too long password', { username: uniqueUsername(), password: 'p'.repeat(201) }],
    ['a missing password', { username: uniqueUsername() }],
    ['a numeric username', { username: 12345, password }],
    ['an empty display name', { username: uniqueUsername(), password, displayName: '   ' }],
  ])('answers 400 for %s', async (_, body) => {
    expectContractError(await http.post('/auth/register', body), 400);
  });

  it.each([
    ['malformed JSON', '{"username": '],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['a JSON string', '"alice"'],
    ['a __proto__ key', '{"__proto__": {"admin": true}, "username": "x"}'],
  ])('answers 400, never 500, for %s', async (_, rawBody) => {
    expectContractError(await http.request('POST', '/auth/register', { rawBody }), 400);
  });

  it('answers 400 for a body that is not JSON at all', async () => {
    const response = await http.request('POST', '/auth/register', {
      rawBody: 'username=alice',
      contentType: 'application/x-www-form-urlencoded',
    });
    expectContractError(response, 400);
  });

  it('answers 413 for a body over 64 KiB', async () => {
    const body = { username: uniqueUsername(), password, displayName: 'x'.repeat(70_000) };
    expectContractError(await http.post('/auth/register', body), 413);
  });
});

describe('POST /auth/login', () => {
  it('returns the user and a fresh token pair', async () => {
    const { user } = await register();
    const response = await http.post('/auth/login', {
      username: user.username.toUpperCase(),
      password,
    });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      user,
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
  });

  it('answers a wrong password and an unknown name alike', async () => {
    const { user } = await register();
    const wrongPassword = await http.post('/auth/login', {
      username: user.username,
      password: 'wrong password',
    });
    const unknownName = await http.post('/auth/login', { username: uniqueUsername(), password });

    expectContractError(wrongPassword, 401);
    expectContractError(unknownName, 401);
    expect(unknownName.body.message).toBe(wrongPassword.body.message);
  });

  it('answers 400 for a body of the wrong shape', async () => {
    expectContractError(await http.post('/auth/login', { username: ['alice'], password }), 400);
  });
});

describe('POST /auth/refresh', () => {
  it('rotates the pair: the new tokens work and differ from the old', async () => {
    const session = await register();
    const response = await http.post('/auth/refresh', { refreshToken: session.refreshToken });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    expect(response.body.refreshToken).not.toBe(session.refreshToken);
    const me = await http.get('/users/me', response.body.accessToken);
    expect(me.body).toEqual(session.user);
  });

  it('revokes the whole family when a spent token is reused', async () => {
    const session = await register();
    const rotated = await http.post('/auth/refresh', { refreshToken: session.refreshToken });
    expect(rotated.status).toBe(200);

    expectContractError(
      await http.post('/auth/refresh', { refreshToken: session.refreshToken }),
      401,
    );
    // The thief's reuse also kills the legitimate successor.
    expectContractError(
      await http.post('/auth/refresh', { refreshToken: rotated.body.refreshToken }),
      401,
    );
  });

  it('lets at most one of two concurrent refreshes with one token succeed', async () => {
    const session = await register();
    const responses = await Promise.all([
      http.post('/auth/refresh', { refreshToken: session.refreshToken }),
      http.post('/auth/refresh', { refreshToken: session.refreshToken }),
    ]);
    expect(responses.filter((response) => response.status === 200).length).toBeLessThanOrEqual(1);
    expect(responses.filter((response) => response.status === 401).length).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('answers 401 for an unknown token and 400 for a missing one', async () => {
    expectContractError(await http.post('/auth/refresh', { refreshToken: 'not-a-token' }), 401);
    expectContractError(await http.post('/auth/refresh', {}), 400);
  });

  it('does not take an access token as a refresh token', async () => {
    const session = await register();
    expectContractError(
      await http.post('/auth/refresh', { refreshToken: session.accessToken }),
      401,
    );
  });
});

describe('POST /auth/logout', () => {
  it('answers 204 and ends the session', async () => {
    const session = await register();
    const response = await http.post('/auth/logout', { refreshToken: session.refreshToken });

    expect(response.status).toBe(204);
    expectContractError(
      await http.post('/auth/refresh', { refreshToken: session.refreshToken }),
      401,
    );
  });

  it('ends only that session, not the user’s other ones', async () => {
    const first = await register();
    const second = await http.post('/auth/login', { username: first.user.username, password });
    await http.post('/auth/logout', { refreshToken: first.refreshToken });

    const refreshed = await http.post('/auth/refresh', { refreshToken: second.body.refreshToken });
    expect(refreshed.status).toBe(200);
  });

  it('answers 204 for an unknown token too', async () => {
    expect((await http.post('/auth/logout', { refreshToken: 'unknown' })).status).toBe(204);
  });
});

describe('GET /users/me', () => {
  it('returns the caller', async () => {
    const session = await register(uniqueUsername(), 'Me Myself');
    const response = await http.get('/users/me', session.accessToken);

    expect(response.status).toBe(200);
    expect(response.body).toEqual(session.user);
  });

  it('accepts a lower-case bearer scheme', async () => {
    const session = await register();
    const response = await http.request('GET', '/users/me', {});
    expect(response.status).toBe(401);
    const lowerCase = await fetch(`${sut.baseUrl}/users/me`, {
      headers: { authorization: `bearer ${session.accessToken}` },
    });
    expect(lowerCase.status).toBe(200);
  });

  it.each([
    ['no token', undefined],
    ['a malformed token', 'garbage'],
  ])('answers 401 for %s', async (_, token) => {
    expectContractError(await http.get('/users/me', token), 401);
  });

  it('answers 401 for an expired token', async () => {
    const session = await register();
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken({ sub: session.user.id, sid: 'x', iat: now - 120, exp: now - 60 });
    expectContractError(await http.get('/users/me', expired), 401);
  });

  it('answers 401 for a token signed with another secret', async () => {
    const session = await register();
    const now = Math.floor(Date.now() / 1000);
    const forged = signToken(
      { sub: session.user.id, sid: 'x', iat: now, exp: now + 60 },
      'another-secret-another-secret-123',
    );
    expectContractError(await http.get('/users/me', forged), 401);
  });

  it('answers 401 for an unsigned ("alg": "none") token', async () => {
    const session = await register();
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: session.user.id, sid: 'x', exp: now + 60 })}.`;
    expectContractError(await http.get('/users/me', unsigned), 401);
  });
});

describe('GET /users', () => {
  it('finds people by username or display-name prefix, without the caller', async () => {
    const tag = uniqueUsername('find').slice(5, 17);
    const caller = await register(`me_${tag}`);
    const carol = await register(`carol_${tag}`, `Zed ${tag}`);
    const carl = await register(`carl_${tag}`);
    await register(`dave_${tag}`);

    const byUsername = await http.get(`/users?search=CAR&limit=50`, caller.accessToken);
    expect(byUsername.status).toBe(200);
    const found = (byUsername.body as { id: string }[]).map((user) => user.id);
    expect(found).toEqual(expect.arrayContaining([carol.user.id, carl.user.id]));

    const byDisplayName = await http.get(
      `/users?search=${encodeURIComponent(`zed ${tag}`)}`,
      caller.accessToken,
    );
    expect(byDisplayName.body).toEqual([carol.user]);

    const self = await http.get(`/users?search=me_${tag}`, caller.accessToken);
    expect(self.body).toEqual([]);
  });

  it('treats LIKE wildcards in the search as literal text', async () => {
    const caller = await register();
    const response = await http.get('/users?search=%25_', caller.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it('honours the limit and rejects a bad one', async () => {
    const caller = await register();
    const limited = await http.get('/users?search=us&limit=1', caller.accessToken);
    expect(limited.status).toBe(200);
    expect((limited.body as unknown[]).length).toBeLessThanOrEqual(1);
    expectContractError(await http.get('/users?search=us&limit=0', caller.accessToken), 400);
    expectContractError(await http.get('/users?search=us&limit=abc', caller.accessToken), 400);
  });

  it('needs a token', async () => {
    expectContractError(await http.get('/users?search=a'), 401);
  });
});

describe('auth rate limit', () => {
  it('answers 429 with Retry-After past AUTH_RATE_PER_MIN attempts from one IP', async () => {
    const limited = await startTestApp({ AUTH_RATE_PER_MIN: '3' });
    try {
      const client = httpClient(limited.baseUrl);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        statuses.push((await client.post('/auth/login', { username: 'nobody', password })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      const blocked = await client.post('/auth/register', { username: uniqueUsername(), password });
      expectContractError(blocked, 429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
