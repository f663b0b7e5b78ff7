import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  connect,
  createDirect,
  registerUser,
  request,
  sendMessage,
  type ChatSocket,
  type Session,
} from '../support/chat-client.js';
import { freePort } from '../../../../bench/src/free-port.js';
import { ApiNode, PrivateRedis } from '../support/cluster.js';
import { httpClient, startTestApp, type TestApp } from '../support/test-app.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = process.env.TEST_REDIS_URL;
// Two nodes share one database only on a PostgreSQL server: embedded PGlite is one per node.
const twoNodes = Boolean(redisUrl && databaseUrl);

const opened: ChatSocket[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const socket of opened.splice(0)) socket.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const CAP = 3;

/** Resolves 'connected', or the `connect_error` message of a refused handshake. */
function handshake(
  baseUrl: string,
  token: string,
  options: { origin?: string; keep?: boolean } = {},
): Promise<string> {
  const socket: ChatSocket = io(baseUrl, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: options.origin ? { Origin: options.origin } : {},
  });
  opened.push(socket);
  return new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(error.message));
  }).finally(() => {
    if (!options.keep) socket.close();
  });
}

async function connected(baseUrl: string, token: string): Promise<ChatSocket> {
  const client = await connect(baseUrl, token);
  opened.push(client.socket);
  return client.socket;
}

describe(`L1: MAX_SOCKETS_PER_USER=${CAP}`, () => {
  let sut: TestApp;
  let http: ReturnType<typeof httpClient>;
  /** Two nodes sharing the test Redis and database, when there are. */
  let nodes: TestApp[] = [];

  beforeAll(async () => {
    const environment = { MAX_SOCKETS_PER_USER: String(CAP) };
    sut = await startTestApp(environment);
    http = httpClient(sut.baseUrl);
    if (twoNodes) {
      nodes = await Promise.all(
        [1, 2].map(() => startTestApp({ ...environment, REDIS_URL: redisUrl! })),
      );
    }
  });

  afterAll(async () => {
    await Promise.all([sut, ...nodes].map((node) => node.close()));
  });

  it('refuses the socket over the cap with too_many_connections and keeps the others', async () => {
    const [alice, bob] = await Promise.all([registerUser(http), registerUser(http)]);
    const conversation = await createDirect(http, alice, bob);
    const sockets = await Promise.all(
      [1, 2, 3].map(() => connected(sut.baseUrl, alice.accessToken)),
    );

    expect(await handshake(sut.baseUrl, alice.accessToken)).toBe('too_many_connections');
    // The oldest was not dropped to make room: every admitted socket still works.
    for (const socket of sockets) {
      expect(socket.connected).toBe(true);
      await sendMessage(socket, conversation.id, 'still here');
    }
    // Other users have caps of their own.
    expect(await handshake(sut.baseUrl, bob.accessToken)).toBe('connected');

    sockets[0]!.close();
    await vi.waitFor(
      async () =>
        expect(
          (await handshake(sut.baseUrl, alice.accessToken)) === 'connected',
          'a freed slot',
        ).toBe(true),
      { timeout: 5_000, interval: 100 },
    );
  });

  it('gives the slot back when the handshake fails after counting it', async () => {
    const alice = await registerUser(http);
    // Log out: the token still verifies, but the session check refuses it after the quota.
    expect(await http.post('/auth/logout', { refreshToken: alice.refreshToken })).toMatchObject({
      status: 204,
    });
    for (let attempt = 0; attempt < CAP; attempt++) {
      expect(await handshake(sut.baseUrl, alice.accessToken)).toBe('unauthorized');
    }
    const again = await http.post('/auth/login', {
      username: alice.user.username,
      password: 'correct horse battery',
    });
    for (let socket = 0; socket < CAP; socket++) {
      expect(await handshake(sut.baseUrl, again.body.accessToken, { keep: true })).toBe(
        'connected',
      );
    }
    expect(await handshake(sut.baseUrl, again.body.accessToken)).toBe('too_many_connections');
  });

  it.skipIf(!twoNodes)('counts the sockets of every node sharing Redis', async () => {
    const [node1, node2] = nodes as [TestApp, TestApp];
    const alice = await registerUser(httpClient(node1.baseUrl));
    await connected(node1.baseUrl, alice.accessToken);
    await connected(node1.baseUrl, alice.accessToken);
    await connected(node2.baseUrl, alice.accessToken);

    expect(await handshake(node2.baseUrl, alice.accessToken)).toBe('too_many_connections');
    expect(await handshake(node1.baseUrl, alice.accessToken)).toBe('too_many_connections');
  });

  it.skipIf(!twoNodes)(
    'lets concurrent handshakes on two nodes over the cap in at most to it',
    async () => {
      const [node1, node2] = nodes as [TestApp, TestApp];
      const alice = await registerUser(httpClient(node1.baseUrl));
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          handshake(index % 2 ? node1.baseUrl : node2.baseUrl, alice.accessToken, { keep: true }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'connected')).toHaveLength(CAP);
      expect(outcomes.filter((outcome) => outcome === 'too_many_connections')).toHaveLength(
        10 - CAP,
      );
    },
  );

  it.skipIf(!databaseUrl)(
    "stops counting a crashed node's sockets once its heartbeat expires",
    async () => {
      const redis = new PrivateRedis(await freePort());
      await redis.start();
      cleanups.push(() => redis.kill());
      const environment = {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        MAX_SOCKETS_PER_USER: '2',
        PRESENCE_TTL_SEC: '2',
      };
      const [node1, node2] = await Promise.all([
        ApiNode.start(environment),
        ApiNode.start(environment),
      ]);
      cleanups.push(
        () => node1.stop('SIGKILL'),
        () => node2.stop('SIGKILL'),
      );
      const alice = await registerUser(httpClient(node1.baseUrl));
      await connected(node1.baseUrl, alice.accessToken);
      await connected(node1.baseUrl, alice.accessToken);
      expect(await handshake(node2.baseUrl, alice.accessToken)).toBe('too_many_connections');

      await node1.stop('SIGKILL');

      const crashedAt = Date.now();
      await vi.waitFor(
        async () =>
          expect(
            (await handshake(node2.baseUrl, alice.accessToken)) === 'connected',
            'the crashed node to stop counting',
          ).toBe(true),
        { timeout: 10_000, interval: 100 },
      );
      expect(Date.now() - crashedAt).toBeLessThan(5_000);
    },
    60_000,
  );
});

describe('L1: read-side rate limits (READ_RATE_BURST=2, READ_RATE_PER_SEC=1)', () => {
  let sut: TestApp;
  let http: ReturnType<typeof httpClient>;
  let alice: Session;
  let conversationId: string;

  beforeAll(async () => {
    sut = await startTestApp({ READ_RATE_BURST: '2', READ_RATE_PER_SEC: '1' });
    http = httpClient(sut.baseUrl);
    alice = await registerUser(http);
    const bob = await registerUser(http);
    conversationId = (await createDirect(http, alice, bob)).id;
  });

  afterAll(() => sut.close());

  it.each([
    ['message:read', () => ({ conversationId, seq: 0 })],
    ['message:delivered', () => ({ conversationId, seq: 0 })],
    ['conversation:join', () => ({ conversationId })],
    ['sync', () => ({ cursors: [{ conversationId, seq: 0 }] })],
  ] as const)(
    'answers %s past its burst with RATE_LIMITED and retryAfterMs',
    async (event, payload) => {
      const socket = await connected(sut.baseUrl, alice.accessToken);
      const acks = [];
      for (let call = 0; call < 3; call++) acks.push(await request(socket, event, payload()));
      expect(acks.slice(0, 2).map((ack) => ack.ok)).toEqual([true, true]);
      expect(acks[2]).toEqual({
        ok: false,
        error: {
          code: 'RATE_LIMITED',
          message: expect.any(String),
          retryAfterMs: expect.any(Number),
        },
      });
      expect(acks[2]!.ok === false && acks[2]!.error.retryAfterMs).toBeGreaterThan(0);
      // The socket stays usable, and one kind's bucket does not drain another's.
      expect(socket.connected).toBe(true);
      expect((await request(socket, 'typing', { conversationId, isTyping: true })).ok).toBe(true);
    },
  );

  it('counts message:read and POST /conversations/:id/read in one bucket', async () => {
    const [carol, dave] = await Promise.all([registerUser(http), registerUser(http)]);
    const direct = (await createDirect(http, carol, dave)).id;
    const socket = await connected(sut.baseUrl, carol.accessToken);
    const markReadByRest = () =>
      http.post(`/conversations/${direct}/read`, { seq: 0 }, carol.accessToken);
    expect((await request(socket, 'message:read', { conversationId: direct, seq: 0 })).ok).toBe(
      true,
    );
    expect((await markReadByRest()).status).toBe(200);
    const refused = await markReadByRest();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const ack = await request(socket, 'message:read', { conversationId: direct, seq: 0 });
    expect(ack.ok === false && ack.error.code).toBe('RATE_LIMITED');
  });

  it('answers authenticated REST reads past the burst 429 with Retry-After', async () => {
    const statuses = [];
    for (let call = 0; call < 3; call++) {
      statuses.push((await http.get('/users/me', alice.accessToken)).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await http.get(`/conversations/${conversationId}`, alice.accessToken);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Writes and public routes are not read-limited.
    expect(
      (
        await http.post(
          '/conversations',
          { type: 'direct', memberId: alice.user.id },
          alice.accessToken,
        )
      ).status,
    ).not.toBe(429);
    expect((await http.get('/health')).status).toBe(200);
  });
});

describe('connect churn (HANDSHAKE_RATE_BURST=2, HANDSHAKE_RATE_PER_SEC=1)', () => {
  let sut: TestApp;
  let http: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    sut = await startTestApp({ HANDSHAKE_RATE_BURST: '2', HANDSHAKE_RATE_PER_SEC: '1' });
    http = httpClient(sut.baseUrl);
  });

  afterAll(() => sut.close());

  it('refuses handshakes past the burst with rate_limited, per user, and admits again later', async () => {
    const [alice, bob] = await Promise.all([registerUser(http), registerUser(http)]);
    const outcomes = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      outcomes.push(await handshake(sut.baseUrl, alice.accessToken));
    }
    expect(outcomes).toEqual(['connected', 'connected', 'rate_limited']);
    expect(await handshake(sut.baseUrl, bob.accessToken)).toBe('connected');
    await sleep(1_100);
    expect(await handshake(sut.baseUrl, alice.accessToken)).toBe('connected');
  });
});

describe('a client leaving during the handshake', () => {
  let sut: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    sut = await startTestApp(
      { LOG_LEVEL: 'warn' },
      { logDestination: { write: (line: string) => lines.push(line) } },
    );
  });

  afterAll(() => sut.close());

  it('is not logged as a warning', async () => {
    const alice = await registerUser(httpClient(sut.baseUrl));
    for (let attempt = 0; attempt < 10; attempt++) {
      const socket: ChatSocket = io(sut.baseUrl, {
        auth: { token: alice.accessToken },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      opened.push(socket);
      // Gone right after the CONNECT packet: the server is still checking the session.
      // (The socket sends its CONNECT packet in its own 'open' listener, which runs first.)
      socket.io.once('open', () => setImmediate(() => socket.io.engine.close()));
      await new Promise((resolve) => socket.io.once('close', resolve));
    }
    await sleep(200);
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).not.toContain('socket handshake failed');
  });
});

describe('the socket edge (CORS_ORIGIN=https://allowed.test)', () => {
  let sut: TestApp;
  let http: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    sut = await startTestApp({ CORS_ORIGIN: 'https://allowed.test' });
    http = httpClient(sut.baseUrl);
  });

  afterAll(() => sut.close());

  it('answers an unknown event that takes an ack with VALIDATION, in order, and stays connected', async () => {
    const [alice, bob] = await Promise.all([registerUser(http), registerUser(http)]);
    const conversation = await createDirect(http, alice, bob);
    const socket = await connected(sut.baseUrl, alice.accessToken);

    const answers: { event: string; ack: unknown }[] = [];
    const answered = new Promise<void>((resolve) => {
      const record = (event: string) => (ack: unknown) => {
        answers.push({ event, ack });
        if (answers.length === 2) resolve();
      };
      socket.emit(
        'message:send',
        { conversationId: conversation.id, content: 'first', clientMsgId: randomUUID() },
        record('message:send'),
      );
      (socket as any).emit('admin:drop-tables', { all: true }, record('unknown'));
    });
    await answered;
    expect(answers.map((answer) => answer.event)).toEqual(['message:send', 'unknown']);
    expect(answers[1]!.ack).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: expect.any(String) },
    });

    // Without an ack it is ignored; the socket keeps working.
    (socket as any).emit('no-such-event', randomUUID());
    (socket as any).emit('no-such-event-either');
    await sleep(50);
    expect(socket.connected).toBe(true);
    expect((await request(socket, 'sync', { cursors: [] })).ok).toBe(true);
  });

  it('compares the Origin as scheme, host and port', async () => {
    const alice = await registerUser(http);
    const { host, port } = new URL(sut.baseUrl);
    const token = alice.accessToken;

    // The page's own origin (plain http here) and the allowlisted one pass.
    expect(await handshake(sut.baseUrl, token, { origin: `http://${host}` })).toBe('connected');
    expect(await handshake(sut.baseUrl, token, { origin: 'https://allowed.test' })).toBe(
      'connected',
    );
    expect(await handshake(sut.baseUrl, token, { origin: 'https://ALLOWED.test:443' })).toBe(
      'connected',
    );
    // Same host, another scheme or port: refused.
    expect(await handshake(sut.baseUrl, token, { origin: `https://${host}` })).not.toBe(
      'connected',
    );
    expect(
      await handshake(sut.baseUrl, token, { origin: `http://127.0.0.1:${Number(port) + 1}` }),
    ).not.toBe('connected');
    expect(await handshake(sut.baseUrl, token, { origin: 'http://allowed.test' })).not.toBe(
      'connected',
    );
    expect(await handshake(sut.baseUrl, token, { origin: 'https://allowed.test:8443' })).not.toBe(
      'connected',
    );
  });
});
