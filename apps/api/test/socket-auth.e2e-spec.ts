import { createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp, type OnlineOptions } from './support/api-context.js';
import {
  sendMessage,
  type ChatSocket,
  type ConnectedClient,
  type Session,
} from './support/chat-client.js';
import { TEST_JWT_SECRET } from './support/test-app.js';

const password = 'correct horse battery';

const allowedOrigin = 'https://allowed.test';

// Node clients send no Origin, so the allowlist only matters to the Origin tests.
const sut = useTestApp({ CORS_ORIGIN: allowedOrigin });
const { http, online, registerUser, createDirect } = sut;

/** Resolves with the `connect_error` message of a handshake that must fail. */
async function refusal(token: string | undefined, options: OnlineOptions = {}): Promise<string> {
  const outcome = await online(token, options).then(
    () => 'connected',
    (error: Error) => error.message,
  );
  return outcome;
}

function signToken(claims: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

function claimsOf(accessToken: string): { sub: string; sid: string; iat: number; exp: number } {
  return JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString());
}

const nowSec = () => Math.floor(Date.now() / 1000);

function disconnection(socket: ChatSocket): Promise<string> {
  if (socket.disconnected) return Promise.resolve('already disconnected');
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

async function login(username: string): Promise<Session> {
  const response = await http.post('/auth/login', { username, password });
  expect(response.status).toBe(200);
  return response.body as Session;
}

describe('handshake', () => {
  let session: Session;

  beforeAll(async () => {
    session = await registerUser();
  });

  it.each<[string, () => string | undefined]>([
    ['no token', () => undefined],
    ['an empty token', () => ''],
    ['a malformed token', () => 'garbage'],
    ['three segments of garbage', () => 'a.b.c'],
    [
      'an expired token',
      () => {
        const { sub, sid } = claimsOf(session.accessToken);
        return signToken({ sub, sid, iat: nowSec() - 120, exp: nowSec() - 60 });
      },
    ],
    [
      'a token signed with another secret',
      () => {
        const { sub, sid } = claimsOf(session.accessToken);
        return signToken(
          { sub, sid, iat: nowSec(), exp: nowSec() + 600 },
          'another-secret-another-secret-123',
        );
      },
    ],
    [
      'an unsigned ("alg": "none") token',
      () => {
        const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const { sub, sid } = claimsOf(session.accessToken);
        return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub, sid, exp: nowSec() + 600 })}.`;
      },
    ],
    ['a refresh token', () => session.refreshToken],
    [
      'a well-signed token of a session that does not exist',
      () =>
        signToken({
          sub: session.user.id,
          sid: randomUUID(),
          iat: nowSec(),
          exp: nowSec() + 600,
        }),
    ],
    [
      'a well-signed token without a session id',
      () => signToken({ sub: session.user.id, iat: nowSec(), exp: nowSec() + 600 }),
    ],
    [
      'a well-signed token whose session id is not a UUID',
      () => signToken({ sub: session.user.id, sid: 'x', iat: nowSec(), exp: nowSec() + 600 }),
    ],
  ])('refuses %s with connect_error "unauthorized"', async (_, token) => {
    expect(await refusal(token())).toBe('unauthorized');
  });

  it('refuses a token that is not a string', async () => {
    const socket: ChatSocket = io(sut.baseUrl, {
      auth: { token: 12345 },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const message = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(error.message));
    });
    socket.close();

    expect(message).toBe('unauthorized');
  });

  it.each(['Bearer', 'bearer'])(
    'accepts the token in an "Authorization: %s" header instead',
    async (scheme) => {
      const peer = await registerUser();
      const conversation = await createDirect(session, peer);
      const viaHeader = await online(undefined, {
        extraHeaders: { Authorization: `${scheme} ${session.accessToken}` },
      });
      const peerClient = await online(peer.accessToken);

      const message = await sendMessage(viaHeader.socket, conversation.id, 'via header');

      expect(message.senderId).toBe(session.user.id);
      expect(await peerClient.log.waitFor('message:new', (item) => item.id === message.id)).toEqual(
        message,
      );
    },
  );

  it('refuses an expired token in the Authorization header too', async () => {
    const { sub, sid } = claimsOf(session.accessToken);
    const expired = signToken({ sub, sid, iat: nowSec() - 120, exp: nowSec() - 60 });

    expect(await refusal(undefined, { extraHeaders: { Authorization: `Bearer ${expired}` } })).toBe(
      'unauthorized',
    );
  });

  it('puts the socket in its conversation rooms before the client sees connect', async () => {
    const peer = await registerUser();
    const conversation = await createDirect(session, peer);
    const sender = await online(peer.accessToken);

    for (let attempt = 1; attempt <= 5; attempt++) {
      const receiver = await online(session.accessToken);
      // Sent the moment `connect` resolves: nothing may be missed.
      const message = await sendMessage(sender.socket, conversation.id, `right away ${attempt}`);
      expect(
        await receiver.log.waitFor('message:new', (item) => item.id === message.id, 2_000),
      ).toEqual(message);
      receiver.socket.close();
    }
  });
});

describe('access token expiry', () => {
  const shortLived = useTestApp({ ACCESS_TOKEN_TTL_SEC: '2' });

  it('sends auth:expired and then disconnects the socket when its token expires', async () => {
    const session = await shortLived.registerUser();
    const { exp } = claimsOf(session.accessToken);
    const client = await online(session.accessToken, { baseUrl: shortLived.baseUrl });
    const order: string[] = [];
    client.socket.on('auth:expired', () => order.push('auth:expired'));
    const reason = disconnection(client.socket).then((value) => {
      order.push('disconnect');
      return value;
    });

    expect(await client.log.waitFor('auth:expired', () => true, 4_000)).toEqual({});
    expect(await reason).toBe('io server disconnect');
    const disconnectedAt = Date.now();

    expect(order).toEqual(['auth:expired', 'disconnect']);
    expect(disconnectedAt).toBeGreaterThanOrEqual(exp * 1000 - 50);
    expect(disconnectedAt).toBeLessThan(exp * 1000 + 1_000);
    expect(await refusal(session.accessToken, { baseUrl: shortLived.baseUrl })).toBe(
      'unauthorized',
    );
  });
});

describe('logout', () => {
  it('disconnects the sockets of that session only, and its access token stops working', async () => {
    const first = await registerUser();
    const second = await login(first.user.username);
    const peer = await registerUser();
    const conversation = await createDirect(first, peer);
    const firstPhone = await online(first.accessToken);
    const firstLaptop = await online(first.accessToken);
    const secondDevice = await online(second.accessToken);
    const peerClient = await online(peer.accessToken);
    const phoneGone = disconnection(firstPhone.socket);
    const laptopGone = disconnection(firstLaptop.socket);

    const response = await http.post('/auth/logout', { refreshToken: first.refreshToken });

    expect(response.status).toBe(204);
    expect(await phoneGone).toBe('io server disconnect');
    expect(await laptopGone).toBe('io server disconnect');
    expect(secondDevice.socket.connected).toBe(true);
    const message = await sendMessage(secondDevice.socket, conversation.id, 'still signed in');
    await peerClient.log.waitFor('message:new', (item) => item.id === message.id);
    // The logged-out access token has not expired yet, but its session has ended.
    expect(claimsOf(first.accessToken).exp * 1000).toBeGreaterThan(Date.now());
    expect(await refusal(first.accessToken)).toBe('unauthorized');
    expect(
      await refusal(undefined, { extraHeaders: { Authorization: `Bearer ${first.accessToken}` } }),
    ).toBe('unauthorized');
    const again = await online(second.accessToken);
    expect(again.socket.connected).toBe(true);
  });

  it('ends the whole session: sockets of access tokens from before a refresh go too', async () => {
    const session = await registerUser();
    const beforeRefresh = await online(session.accessToken);
    const refreshed = await http.post('/auth/refresh', { refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(200);
    const afterRefresh = await online(refreshed.body.accessToken);
    const gone = [disconnection(beforeRefresh.socket), disconnection(afterRefresh.socket)];

    const response = await http.post('/auth/logout', {
      refreshToken: refreshed.body.refreshToken,
    });

    expect(response.status).toBe(204);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(await refusal(refreshed.body.accessToken)).toBe('unauthorized');
  });
});

describe('Origin check on the handshake (CORS_ORIGIN=https://allowed.test)', () => {
  let session: Session;

  beforeAll(async () => {
    session = await registerUser();
  });

  /** Connects with a valid token, so only the Origin decides. */
  function handshake(transport: 'websocket' | 'polling', origin?: string): Promise<string> {
    const socket: ChatSocket = io(sut.baseUrl, {
      auth: { token: session.accessToken },
      transports: [transport],
      reconnection: false,
      forceNew: true,
      extraHeaders: origin ? { Origin: origin } : {},
    });
    return new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', () => resolve('refused'));
    }).finally(() => socket.close());
  }

  it.each(['websocket', 'polling'] as const)(
    'over %s: refuses a foreign Origin, accepts an allowed one and none',
    async (transport) => {
      expect(await handshake(transport, 'https://evil.test')).toBe('refused');
      expect(await handshake(transport, allowedOrigin)).toBe('connected');
      expect(await handshake(transport)).toBe('connected');
    },
  );

  it('refuses an origin that merely starts like an allowed one', async () => {
    expect(await handshake('websocket', `${allowedOrigin}.evil.test`)).toBe('refused');
    expect(await handshake('websocket', 'null')).toBe('refused');
  });
});

describe('presence', () => {
  const presenceOf = (client: ConnectedClient, userId: string) =>
    client.log.of('presence').filter((event) => event.userId === userId);

  it('tells peers, and only peers, when a user comes online and when their last socket closes', async () => {
    const [alice, bob, carol, dave] = await Promise.all([
      registerUser(),
      registerUser(),
      registerUser(),
      registerUser(),
    ]);
    await createDirect(alice, bob);
    const strangers = await createDirect(carol, dave);
    const bobClient = await online(bob.accessToken);
    const carolClient = await online(carol.accessToken);

    const alicePhone = await online(alice.accessToken);

    expect(
      await bobClient.log.waitFor('presence', (event) => event.userId === alice.user.id),
    ).toEqual({ userId: alice.user.id, status: 'online', lastSeenAt: expect.any(String) });

    const aliceLaptop = await online(alice.accessToken);
    alicePhone.socket.close();
    // A message through carol's own conversation: anything sent to her before it has arrived.
    const daveClient = await online(dave.accessToken);
    const marker = await sendMessage(daveClient.socket, strangers.id, 'marker');
    await carolClient.log.waitFor('message:new', (message) => message.id === marker.id);
    await sleep(300);
    expect(presenceOf(bobClient, alice.user.id).map((event) => event.status)).toEqual(['online']);

    aliceLaptop.socket.close();

    const offline = await bobClient.log.waitFor(
      'presence',
      (event) => event.userId === alice.user.id && event.status === 'offline',
    );
    expect(offline).toEqual({
      userId: alice.user.id,
      status: 'offline',
      lastSeenAt: expect.any(String),
    });
    expect(Date.parse(offline.lastSeenAt!)).toBeGreaterThan(Date.now() - 10_000);
    await sleep(200);
    expect(presenceOf(bobClient, alice.user.id).map((event) => event.status)).toEqual([
      'online',
      'offline',
    ]);
    expect(presenceOf(carolClient, alice.user.id)).toEqual([]);
    expect(presenceOf(carolClient, bob.user.id)).toEqual([]);
  });

  it('gives a newly connected socket the presence of its peers already online, and no one else’s', async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(), registerUser(), registerUser()]);
    await createDirect(alice, bob);
    const bobClient = await online(bob.accessToken);
    const carolClient = await online(carol.accessToken);

    const aliceClient = await online(alice.accessToken);

    expect(
      await aliceClient.log.waitFor('presence', (event) => event.userId === bob.user.id),
    ).toEqual({ userId: bob.user.id, status: 'online', lastSeenAt: expect.any(String) });
    expect(presenceOf(aliceClient, carol.user.id)).toEqual([]);

    // bob's second device learns that alice is online; alice hears no second "bob online".
    const bobLaptop = await online(bob.accessToken);
    expect(
      await bobLaptop.log.waitFor('presence', (event) => event.userId === alice.user.id),
    ).toMatchObject({ userId: alice.user.id, status: 'online' });
    await sleep(200);
    expect(presenceOf(aliceClient, bob.user.id).map((event) => event.status)).toEqual(['online']);
    expect(presenceOf(carolClient, alice.user.id)).toEqual([]);
    expect(bobClient.socket.connected).toBe(true);
  });
});
