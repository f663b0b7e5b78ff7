/**
 * Audit H1, "one request freezes a node": a change to a big group used to build and publish
 * `conversation:updated` once per member. These cases pin the structure (one publish per change,
 * counted on a real Redis, as every other node would receive them), the per-user rate limits of
 * the conversation routes, and the group size cap.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Conversation } from '@parley/protocol';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DatabaseConnection } from '../../src/database/database.js';
import {
  connect,
  createGroup,
  registerUser,
  type ConnectedClient,
  type Session,
} from '../support/chat-client.js';
import { freePort } from '../../../../bench/src/free-port.js';
import { PrivateRedis } from '../support/cluster.js';
import { httpClient, startTestApp, type TestApp } from '../support/test-app.js';

type Http = ReturnType<typeof httpClient>;

const GROUP_SIZE = 200;

let privateRedis: PrivateRedis | undefined;
let redisUrl: string;
let subscriber: Redis;
/** Every message the Socket.IO Redis adapter published, as raw bytes. */
const published: Buffer[] = [];
const sockets: ConnectedClient[] = [];

beforeAll(async () => {
  if (process.env.TEST_REDIS_URL) {
    redisUrl = process.env.TEST_REDIS_URL;
  } else {
    privateRedis = new PrivateRedis(await freePort());
    await privateRedis.start();
    redisUrl = privateRedis.url;
  }
  subscriber = new Redis(redisUrl);
  subscriber.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => {
    published.push(message);
  });
  await subscriber.psubscribe('socket.io#/#*');
});

afterAll(async () => {
  for (const client of sockets) client.socket.close();
  subscriber?.disconnect();
  await privateRedis?.kill();
});

/** Publishes of `event` about `conversationId` since `from` (an index into `published`). */
function publishesOf(event: string, conversationId: string, from: number): Buffer[] {
  return published
    .slice(from)
    .filter((message) => message.includes(event) && message.includes(conversationId));
}

/** Waits until `event` about the conversation was published, then a moment for any more. */
async function settledPublishes(event: string, conversationId: string, from: number) {
  const deadline = Date.now() + 5_000;
  while (publishesOf(event, conversationId, from).length === 0 && Date.now() < deadline) {
    await sleep(20);
  }
  await sleep(300);
  return publishesOf(event, conversationId, from);
}

/** `count` users written straight into the database: members who never sign in. */
async function silentUsers(app: TestApp, count: number): Promise<string[]> {
  const prefix = `quiet_${randomBytes(4).toString('hex')}_`;
  const rows = await app.app.get(DatabaseConnection).query<{ id: string }>(sql`
    insert into users (username, display_name, password_hash)
    select ${prefix} || n, 'Quiet member ' || n, 'no password'
    from generate_series(1, ${count}::int) as n
    returning id`);
  return rows.map((row) => row.id);
}

async function online(app: TestApp, session: Session): Promise<ConnectedClient> {
  const client = await connect(app.baseUrl, session.accessToken);
  sockets.push(client);
  return client;
}

describe(`fan-out of a ${GROUP_SIZE}-member group`, () => {
  let sut: TestApp;
  let http: Http;
  let owner: Session;
  let member: Session;
  let group: Conversation;
  let ownerDevice: ConnectedClient;
  let memberDevice: ConnectedClient;
  let creationPublishes: Buffer[];

  beforeAll(async () => {
    sut = await startTestApp({ REDIS_URL: redisUrl });
    http = httpClient(sut.baseUrl);
    [owner, member] = await Promise.all([registerUser(http), registerUser(http)]);
    ownerDevice = await online(sut, owner);
    memberDevice = await online(sut, member);
    const quiet = await silentUsers(sut, GROUP_SIZE - 2);
    const from = published.length;
    const created = await http.post<Conversation>(
      '/conversations',
      { type: 'group', name: 'Big', memberIds: [member.user.id, ...quiet] },
      owner.accessToken,
    );
    expect(created.status).toBe(201);
    group = created.body;
    creationPublishes = await settledPublishes('conversation:updated', group.id, from);
  });
  afterAll(() => sut?.close());

  it('publishes one conversation:updated to every member of a new group', async () => {
    expect(group.members).toHaveLength(GROUP_SIZE);
    // A new group looks the same to every member: one publish reaches all their rooms.
    expect(creationPublishes).toHaveLength(1);
    expect(
      await memberDevice.log.waitFor('conversation:updated', (update) => update.id === group.id),
    ).toEqual(group);
  });

  it('publishes one conversation:updated for a rename, without the per-viewer fields', async () => {
    const from = published.length;

    const renamed = await http.request<Conversation>('PATCH', `/conversations/${group.id}`, {
      body: { name: 'Big, renamed' },
      token: owner.accessToken,
    });

    expect(renamed.status).toBe(200);
    expect(await settledPublishes('conversation:updated', group.id, from)).toHaveLength(1);
    const update = await memberDevice.log.waitFor(
      'conversation:updated',
      (event) => event.id === group.id && event.name === 'Big, renamed',
    );
    expect(update).not.toHaveProperty('unreadCount');
    expect(update).not.toHaveProperty('lastReadSeq');
    expect(update.members).toHaveLength(GROUP_SIZE);
  });

  it('publishes the newcomer’s own view and one shared update when a member is added', async () => {
    const newcomer = await registerUser(http);
    const newcomerDevice = await online(sut, newcomer);
    const from = published.length;

    const added = await http.post<Conversation>(
      `/conversations/${group.id}/members`,
      { userId: newcomer.user.id },
      owner.accessToken,
    );

    expect(added.status).toBe(201);
    expect(await settledPublishes('conversation:updated', group.id, from)).toHaveLength(2);
    const newcomerView = await newcomerDevice.log.waitFor(
      'conversation:updated',
      (event) => event.id === group.id,
    );
    expect(newcomerView).toMatchObject({ unreadCount: 0, lastReadSeq: group.lastSeq });
    expect(newcomerView.members).toHaveLength(GROUP_SIZE + 1);
    const shared = await memberDevice.log.waitFor(
      'conversation:updated',
      (event) => event.id === group.id && event.members.length === GROUP_SIZE + 1,
    );
    expect(shared).not.toHaveProperty('unreadCount');
    // Online members are introduced to the newcomer once each, not once per member.
    for (const peer of [owner, member]) {
      await newcomerDevice.log.waitFor('presence', (event) => event.userId === peer.user.id);
    }
    const introductions = newcomerDevice.log
      .of('presence')
      .filter((event) => event.userId !== newcomer.user.id);
    expect(introductions.map((event) => event.userId).sort()).toEqual(
      [owner.user.id, member.user.id].sort(),
    );

    const removeFrom = published.length;
    const removed = await http.request(
      'DELETE',
      `/conversations/${group.id}/members/${newcomer.user.id}`,
      { token: owner.accessToken },
    );
    expect(removed.status).toBe(204);
    expect(await settledPublishes('conversation:updated', group.id, removeFrom)).toHaveLength(1);
    expect(await newcomerDevice.log.waitFor('conversation:removed')).toEqual({
      conversationId: group.id,
    });
    await ownerDevice.log.waitFor(
      'conversation:updated',
      (event) => event.id === group.id && event.members.length === GROUP_SIZE,
    );
    expect(
      newcomerDevice.log
        .of('conversation:updated')
        .filter((event) => event.id === group.id && event.members.length === GROUP_SIZE),
    ).toEqual([]);
  });
});

describe('limits on conversation routes', () => {
  const RATE_PER_MIN = 3;
  const MAX_MEMBERS = 4;
  let nodeA: TestApp;
  let nodeB: TestApp;
  let httpA: Http;
  let httpB: Http;

  beforeAll(async () => {
    const environment = {
      REDIS_URL: redisUrl,
      CONVERSATION_CREATE_RATE_PER_MIN: String(RATE_PER_MIN),
      GROUP_CHANGE_RATE_PER_MIN: String(RATE_PER_MIN),
      MAX_GROUP_MEMBERS: String(MAX_MEMBERS),
    };
    nodeA = await startTestApp(environment);
    // Two nodes share one database only on a database server (each embedded PGlite is its own).
    nodeB = inject('databaseUrl') ? await startTestApp(environment) : nodeA;
    httpA = httpClient(nodeA.baseUrl);
    httpB = httpClient(nodeB.baseUrl);
  });
  afterAll(async () => {
    await nodeA?.close();
    if (nodeB !== nodeA) await nodeB?.close();
  });

  const expect429 = (response: { status: number; headers: Headers; body: unknown }) => {
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  };

  it('limits conversation creation per user, across nodes', async () => {
    const [creator, other, bystander] = await Promise.all([
      registerUser(httpA),
      registerUser(httpA),
      registerUser(httpA),
    ]);
    const create = (client: Http, session: Session) =>
      client.post(
        '/conversations',
        { type: 'group', name: 'Many', memberIds: [other.user.id] },
        session.accessToken,
      );

    for (let attempt = 0; attempt < RATE_PER_MIN; attempt++) {
      expect((await create(attempt % 2 ? httpB : httpA, creator)).status).toBe(201);
    }
    expect429(await create(httpB, creator));
    expect429(await create(httpA, creator));
    // Opening a direct chat is a creation too.
    expect429(
      await httpA.post(
        '/conversations',
        { type: 'direct', memberId: other.user.id },
        creator.accessToken,
      ),
    );
    expect((await create(httpA, bystander)).status).toBe(201);
  });

  it('limits renames and member changes per user, in one budget', async () => {
    const [owner, first, second] = await Promise.all([
      registerUser(httpA),
      registerUser(httpA),
      registerUser(httpA),
    ]);
    const group = await createGroup(httpA, owner, [first]);
    const token = owner.accessToken;

    expect(
      (
        await httpA.request('PATCH', `/conversations/${group.id}`, {
          body: { name: 'One' },
          token,
        })
      ).status,
    ).toBe(200);
    expect(
      (await httpB.post(`/conversations/${group.id}/members`, { userId: second.user.id }, token))
        .status,
    ).toBe(201);
    expect(
      (
        await httpA.request('DELETE', `/conversations/${group.id}/members/${second.user.id}`, {
          token,
        })
      ).status,
    ).toBe(204);

    expect429(
      await httpB.request('PATCH', `/conversations/${group.id}`, { body: { name: 'Two' }, token }),
    );
    expect429(
      await httpA.post(`/conversations/${group.id}/members`, { userId: second.user.id }, token),
    );
    expect429(
      await httpA.request('DELETE', `/conversations/${group.id}/members/${first.user.id}`, {
        token,
      }),
    );
    // Another member's own budget is untouched: leaving still works.
    expect(
      (
        await httpA.request('DELETE', `/conversations/${group.id}/members/${first.user.id}`, {
          token: first.accessToken,
        })
      ).status,
    ).toBe(204);
  });

  it('refuses a group larger than MAX_GROUP_MEMBERS, at creation and when adding', async () => {
    const people = await Promise.all(
      Array.from({ length: MAX_MEMBERS + 2 }, () => registerUser(httpA)),
    );
    const [owner, ...others] = people;
    const memberIds = others.map((person) => person.user.id);

    const tooBig = await httpA.post(
      '/conversations',
      { type: 'group', name: 'Crowd', memberIds: memberIds.slice(0, MAX_MEMBERS) },
      owner!.accessToken,
    );
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.message).toMatch(/at most 4 members/);

    const full = await httpA.post<Conversation>(
      '/conversations',
      { type: 'group', name: 'Crowd', memberIds: memberIds.slice(0, MAX_MEMBERS - 2) },
      owner!.accessToken,
    );
    expect(full.status).toBe(201);
    expect(full.body.members).toHaveLength(MAX_MEMBERS - 1);

    // Two additions race for the last place: exactly one gets it.
    const [left, right] = await Promise.all(
      [memberIds[MAX_MEMBERS - 2], memberIds[MAX_MEMBERS - 1]].map((userId, index) =>
        (index ? httpB : httpA).post(
          `/conversations/${full.body.id}/members`,
          { userId },
          owner!.accessToken,
        ),
      ),
    );
    expect([left!.status, right!.status].sort()).toEqual([201, 409]);
    const refused = left!.status === 409 ? left! : right!;
    expect(refused.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'the group is full: it has 4 members already',
    });
    const listed = await httpA.get<Conversation>(
      `/conversations/${full.body.id}`,
      owner!.accessToken,
    );
    expect(listed.body.members).toHaveLength(MAX_MEMBERS);
  });
});
