import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AuthService } from '../../src/modules/auth/auth.service.js';
import { useTestApp, type Http } from '../support/api-context.js';
import { PrivateRedis } from '../support/cluster.js';
import { registerUser, type ChatSocket, type Session } from '../support/chat-client.js';
import { TEST_JWT_SECRET } from '../support/test-app.js';

// The audit's session cases (issue 9: M1, M2, tokens without `exp`). Cross-node cases need a
// PostgreSQL server shared by two nodes, and a Redis.
const databaseUrl = inject('databaseUrl');
const redisUrl = process.env.TEST_REDIS_URL;
const OUTAGE_REDIS_PORT = 6397;
const password = 'correct horse battery';

function disconnection(socket: ChatSocket): Promise<string> {
  if (socket.disconnected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket was not disconnected')), 5_000);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

function claimsOf(accessToken: string): { sub: string; sid: string; iat: number; exp: number } {
  return JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString());
}

function signToken(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url')}`;
}

async function login(http: Http, username: string): Promise<Session> {
  const response = await http.post('/auth/login', { username, password });
  expect(response.status).toBe(200);
  return response.body as Session;
}

/** Presents a spent refresh token again: the server revokes the whole session. */
async function reuseRefreshToken(http: Http, session: Session): Promise<void> {
  expect((await http.post('/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(
    200,
  );
  expect((await http.post('/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(
    401,
  );
}

describe('one node without Redis', () => {
  const sut = useTestApp();
  const { http, online } = sut;

  it('refuses the access token on REST after logout', async () => {
    const session = await registerUser(http);
    expect((await http.get('/users/me', session.accessToken)).status).toBe(200);

    expect((await http.post('/auth/logout', { refreshToken: session.refreshToken })).status).toBe(
      204,
    );

    expect((await http.get('/users/me', session.accessToken)).status).toBe(401);
    expect((await http.get('/conversations', session.accessToken)).status).toBe(401);
  });

  it('keeps the user’s other sessions working after one logs out', async () => {
    const first = await registerUser(http);
    const second = await login(http, first.user.username);

    await http.post('/auth/logout', { refreshToken: first.refreshToken });

    expect((await http.get('/users/me', second.accessToken)).status).toBe(200);
  });

  it('refuses the access token on REST after refresh-token reuse and cuts its sockets', async () => {
    const session = await registerUser(http);
    const other = await login(http, session.user.username);
    const victimSocket = await online(session);
    const otherSocket = await online(other);
    const cut = disconnection(victimSocket.socket);

    await reuseRefreshToken(http, session);

    expect(await cut).toBe('io server disconnect');
    expect((await http.get('/users/me', session.accessToken)).status).toBe(401);
    expect(otherSocket.socket.connected).toBe(true);
  });

  it('ends every session of a user with revokeAllSessionsOf (no route calls it yet)', async () => {
    const first = await registerUser(http);
    const second = await login(http, first.user.username);
    const sockets = await Promise.all([first, second].map((s) => online(s)));
    const cuts = sockets.map((client) => disconnection(client.socket));

    await sut.app.get(AuthService).revokeAllSessionsOf(first.user.id);

    expect(await Promise.all(cuts)).toEqual(['io server disconnect', 'io server disconnect']);
    for (const session of [first, second]) {
      expect((await http.get('/users/me', session.accessToken)).status).toBe(401);
      const refresh = await http.post('/auth/refresh', { refreshToken: session.refreshToken });
      expect(refresh.status).toBe(401);
    }
    expect((await login(http, first.user.username)).accessToken).toEqual(expect.any(String));
  });

  it('refuses a correctly signed token without `exp`: 401 on REST, unauthorized on socket', async () => {
    const session = await registerUser(http);
    const { sub, sid, iat } = claimsOf(session.accessToken);
    const withoutExp = signToken({ sub, sid, iat });
    const control = signToken({ sub, sid, iat, exp: iat + 600 });

    expect((await http.get('/users/me', control)).status).toBe(200);
    expect((await http.get('/users/me', withoutExp)).status).toBe(401);
    const handshake = await online(withoutExp).then(
      () => 'connected',
      (error: Error) => error.message,
    );
    expect(handshake).toBe('unauthorized');
  });
});

describe.runIf(databaseUrl && redisUrl)('two nodes sharing Redis', () => {
  const nodeA = useTestApp({ REDIS_URL: redisUrl! });
  const nodeB = useTestApp({ REDIS_URL: redisUrl! });
  const { http: httpA } = nodeA;
  const { http: httpB } = nodeB;

  it('refuses on node B a token whose session logged out on node A, at once', async () => {
    const session = await registerUser(httpA);
    expect((await httpB.get('/users/me', session.accessToken)).status).toBe(200);

    await httpA.post('/auth/logout', { refreshToken: session.refreshToken });

    expect((await httpB.get('/users/me', session.accessToken)).status).toBe(401);
  });

  it('cuts on node B the sockets of a session that refresh-token reuse ended on node A', async () => {
    const session = await registerUser(httpA);
    const onB = await nodeB.online(session);
    const cut = disconnection(onB.socket);

    await reuseRefreshToken(httpA, session);

    expect(await cut).toBe('io server disconnect');
    expect((await httpB.get('/users/me', session.accessToken)).status).toBe(401);
  });

  it('refuses on node B every session ended by revokeAllSessionsOf on node A', async () => {
    const first = await registerUser(httpA);
    const second = await login(httpB, first.user.username);

    await nodeA.app.get(AuthService).revokeAllSessionsOf(first.user.id);

    expect((await httpB.get('/users/me', first.accessToken)).status).toBe(401);
    expect((await httpB.get('/users/me', second.accessToken)).status).toBe(401);
  });
});

describe.runIf(databaseUrl)('Redis outage', () => {
  const redis = new PrivateRedis(OUTAGE_REDIS_PORT);
  // Hooks run in order and after-hooks in reverse: Redis is up before the nodes start and
  // killed after they close.
  beforeAll(() => redis.start());
  afterAll(() => redis.kill());
  const nodeA = useTestApp({ REDIS_URL: redis.url });
  const nodeB = useTestApp({ REDIS_URL: redis.url });

  it('asks the database while Redis is down, and writes the revocation to Redis once it is back', async () => {
    const { http: httpA } = nodeA;
    const { http: httpB } = nodeB;
    const session = await registerUser(httpA);
    await redis.kill();

    expect((await httpA.post('/auth/logout', { refreshToken: session.refreshToken })).status).toBe(
      204,
    );
    expect((await httpB.get('/users/me', session.accessToken)).status).toBe(401);

    await redis.start();
    const probe = new Redis(redis.url);
    try {
      const key = `parley:session:revoked:${claimsOf(session.accessToken).sid}`;
      await vi.waitFor(
        async () => expect((await probe.exists(key)) === 1, 'the revocation in redis').toBe(true),
        { timeout: 10_000 },
      );
      expect((await httpB.get('/users/me', session.accessToken)).status).toBe(401);
    } finally {
      probe.disconnect();
    }
  });
});
