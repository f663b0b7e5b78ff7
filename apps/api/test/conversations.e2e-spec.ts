import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Conversation,
  ConversationMember,
  ConversationPage,
  MemberRole,
  Message,
  MessagePage,
} from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  createDirect,
  createGroup,
  registerUser,
  request,
  sendMessage,
  type ConnectedClient,
  type Session,
} from './support/chat-client.js';
import { httpClient, startTestApp, type HttpResult, type TestApp } from './support/test-app.js';

type Http = ReturnType<typeof httpClient>;

let sut: TestApp;
let http: Http;
const clients: ConnectedClient[] = [];

beforeAll(async () => {
  sut = await startTestApp();
  http = httpClient(sut.baseUrl);
});
afterEach(() => {
  for (const client of clients.splice(0)) client.socket.close();
});
afterAll(() => sut.close());

const isoTime = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const unknownId = () => randomUUID();

async function online(session: Session, app: TestApp = sut): Promise<ConnectedClient> {
  const client = await connect(app.baseUrl, session.accessToken);
  clients.push(client);
  return client;
}

type Sessions<N extends number, T extends Session[] = []> = T['length'] extends N
  ? T
  : Sessions<N, [...T, Session]>;

/** Registers `count` fresh users at once. */
function users<N extends number>(count: N, client: Http = http): Promise<Sessions<N>> {
  return Promise.all(Array.from({ length: count }, () => registerUser(client))) as Promise<
    Sessions<N>
  >;
}

function member(session: Session, role: MemberRole, watermark = 0): ConversationMember {
  return {
    userId: session.user.id,
    username: session.user.username,
    displayName: session.user.displayName,
    role,
    lastReadSeq: watermark,
    lastDeliveredSeq: watermark,
  };
}

const byUserId = (members: ConversationMember[]) =>
  [...members].sort((left, right) => left.userId.localeCompare(right.userId));

function expectMembers(
  conversation: { members: ConversationMember[] },
  expected: ConversationMember[],
) {
  expect(byUserId(conversation.members)).toEqual(byUserId(expected));
}

function expectContractError(response: HttpResult, status: number) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({
    statusCode: status,
    error: expect.any(String),
    message: expect.any(String),
  });
}

const getConversation = (id: string, session: Session) =>
  http.get<Conversation>(`/conversations/${id}`, session.accessToken);

const rename = (id: string, name: unknown, session: Session) =>
  http.request<Conversation>('PATCH', `/conversations/${id}`, {
    body: { name },
    token: session.accessToken,
  });

const addMember = (id: string, body: unknown, session: Session) =>
  http.post<Conversation>(`/conversations/${id}/members`, body, session.accessToken);

const removeMember = (id: string, userId: string, session: Session) =>
  http.request('DELETE', `/conversations/${id}/members/${userId}`, {
    token: session.accessToken,
  });

const markRead = (id: string, seq: unknown, session: Session) =>
  http.post(`/conversations/${id}/read`, { seq }, session.accessToken);

const listConversations = (session: Session, query = '') =>
  http.get<ConversationPage>(`/conversations${query}`, session.accessToken);

describe('POST /conversations (direct)', () => {
  it('answers 201 with the new conversation in the contract shape', async () => {
    const [alice, bob] = await users(2);

    const response = await http.post<Conversation>(
      '/conversations',
      { type: 'direct', memberId: bob.user.id },
      alice.accessToken,
    );

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(String),
      type: 'direct',
      name: null,
      members: expect.any(Array),
      lastMessage: null,
      lastSeq: 0,
      unreadCount: 0,
      lastReadSeq: 0,
      createdAt: isoTime,
      updatedAt: isoTime,
      request: false,
    });
    expectMembers(response.body, [member(alice, 'member'), member(bob, 'member')]);
  });

  it('answers 200 with the same conversation when either side asks again', async () => {
    const [alice, bob] = await users(2);
    const first = await createDirect(http, alice, bob);

    const again = await http.post<Conversation>(
      '/conversations',
      { type: 'direct', memberId: bob.user.id },
      alice.accessToken,
    );
    const reverse = await http.post<Conversation>(
      '/conversations',
      { type: 'direct', memberId: alice.user.id },
      bob.accessToken,
    );

    expect(again.status).toBe(200);
    expect(again.body).toEqual(first);
    expect(reverse.status).toBe(200);
    expect(reverse.body.id).toBe(first.id);
  });

  it('makes exactly one conversation when both sides create it at once', async () => {
    const pairs = await Promise.all(Array.from({ length: 5 }, () => users(2)));

    for (const [alice, bob] of pairs) {
      for (let round = 0; round < 2; round++) {
        const results = await Promise.all([
          http.post<Conversation>(
            '/conversations',
            { type: 'direct', memberId: bob.user.id },
            alice.accessToken,
          ),
          http.post<Conversation>(
            '/conversations',
            { type: 'direct', memberId: alice.user.id },
            bob.accessToken,
          ),
        ]);
        const statuses = results.map((result) => result.status).sort();
        expect(statuses).toEqual(round === 0 ? [200, 201] : [200, 200]);
        expect(results[0]!.body.id).toBe(results[1]!.body.id);
      }
      const { body } = await listConversations(alice);
      expect(
        body.conversations.filter((conversation) => conversation.type === 'direct'),
      ).toHaveLength(1);
    }
  });

  it('answers 400 for a conversation with yourself and for bad bodies', async () => {
    const [alice] = await users(1);
    const badBodies = [
      { type: 'direct', memberId: alice.user.id },
      { type: 'direct' },
      { type: 'direct', memberId: 'not-a-uuid' },
      { type: 'direct', memberId: 42 },
      { type: 'channel', memberId: randomUUID() },
      {},
    ];
    for (const body of badBodies) {
      expectContractError(await http.post('/conversations', body, alice.accessToken), 400);
    }
  });

  it('answers 404 for an unknown user', async () => {
    const [alice] = await users(1);
    const response = await http.post(
      '/conversations',
      { type: 'direct', memberId: unknownId() },
      alice.accessToken,
    );
    expectContractError(response, 404);
  });

  it('answers 401 without a token', async () => {
    const response = await http.post('/conversations', { type: 'direct', memberId: unknownId() });
    expectContractError(response, 401);
  });
});

describe('POST /conversations (group)', () => {
  it('answers 201 with the creator as owner and the others as members', async () => {
    const [owner, bob, carol] = await users(3);

    const response = await http.post<Conversation>(
      '/conversations',
      { type: 'group', name: 'Book club', memberIds: [bob.user.id, carol.user.id] },
      owner.accessToken,
    );

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(String),
      type: 'group',
      name: 'Book club',
      members: expect.any(Array),
      lastMessage: null,
      lastSeq: 0,
      unreadCount: 0,
      lastReadSeq: 0,
      createdAt: isoTime,
      updatedAt: isoTime,
      request: false,
    });
    expectMembers(response.body, [
      member(owner, 'owner'),
      member(bob, 'member'),
      member(carol, 'member'),
    ]);
  });

  it('collapses duplicate member ids and keeps the creator once, as owner', async () => {
    const [owner, bob] = await users(2);

    const response = await http.post<Conversation>(
      '/conversations',
      { type: 'group', name: 'Dupes', memberIds: [bob.user.id, bob.user.id, owner.user.id] },
      owner.accessToken,
    );

    expect(response.status).toBe(201);
    expectMembers(response.body, [member(owner, 'owner'), member(bob, 'member')]);
  });

  it('answers 400 for bad bodies', async () => {
    const [owner, bob] = await users(2);
    const memberIds = [bob.user.id];
    const badBodies = [
      { type: 'group', memberIds },
      { type: 'group', name: '', memberIds },
      { type: 'group', name: '   ', memberIds },
      { type: 'group', name: 'x'.repeat(101), memberIds },
      { type: 'group', name: 42, memberIds },
      { type: 'group', name: 'Group' },
      { type: 'group', name: 'Group', memberIds: bob.user.id },
      { type: 'group', name: 'Group', memberIds: ['not-a-uuid'] },
      { type: 'group', name: 'Group', memberIds: [42] },
    ];
    for (const body of badBodies) {
      expectContractError(await http.post('/conversations', body, owner.accessToken), 400);
    }
  });

  it('answers 404 when a member id is not a user', async () => {
    const [owner, bob] = await users(2);
    const response = await http.post(
      '/conversations',
      { type: 'group', name: 'Ghosts', memberIds: [bob.user.id, unknownId()] },
      owner.accessToken,
    );
    expectContractError(response, 404);
  });
});

describe('GET /conversations/:id', () => {
  it('answers 200 for each member, with that member’s read state', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(http, alice, bob);
    const aliceDevice = await online(alice);
    const sent = await sendMessage(aliceDevice.socket, conversation.id, 'hello');

    const asAlice = await getConversation(conversation.id, alice);
    const asBob = await getConversation(conversation.id, bob);

    expect(asAlice.status).toBe(200);
    expect(asAlice.body).toEqual({
      ...conversation,
      // Sending moved Alice's own watermarks, which every member's view shows.
      members: conversation.members.map((item) =>
        item.userId === alice.user.id ? { ...item, lastReadSeq: 1, lastDeliveredSeq: 1 } : item,
      ),
      lastMessage: sent,
      lastSeq: 1,
      unreadCount: 0,
      lastReadSeq: 1,
      updatedAt: isoTime,
      request: false,
    });
    expect(asBob.status).toBe(200);
    expect(asBob.body).toEqual({ ...asAlice.body, unreadCount: 1, lastReadSeq: 0 });
  });

  it('answers a non-member exactly as it answers an unknown id', async () => {
    const [alice, bob, eve] = await users(3);
    const conversation = await createDirect(http, alice, bob);

    const asOutsider = await getConversation(conversation.id, eve);
    const unknown = await getConversation(unknownId(), eve);
    const notAUuid = await getConversation('not-a-uuid', eve);

    expectContractError(asOutsider, 404);
    expect(asOutsider.body).toEqual(unknown.body);
    expect(notAUuid.body).toEqual(unknown.body);
  });
});

describe('PATCH /conversations/:id', () => {
  it('lets the owner and an admin rename a group', async () => {
    const [owner, admin] = await users(2);
    const group = await createGroup(http, owner, [], 'Before');
    expect(
      (await addMember(group.id, { userId: admin.user.id, role: 'admin' }, owner)).status,
    ).toBe(201);

    const byOwner = await rename(group.id, 'Renamed', owner);
    expect(byOwner.status).toBe(200);
    expect(byOwner.body).toMatchObject({ id: group.id, name: 'Renamed' });

    const byAdmin = await rename(group.id, 'Renamed again', admin);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).toMatchObject({ id: group.id, name: 'Renamed again' });
    expect((await getConversation(group.id, owner)).body.name).toBe('Renamed again');
  });

  it('answers 403 for a plain member and for a direct conversation', async () => {
    const [owner, bob] = await users(2);
    const group = await createGroup(http, owner, [bob]);
    const direct = await createDirect(http, owner, bob);

    expectContractError(await rename(group.id, 'Mine now', bob), 403);
    expectContractError(await rename(direct.id, 'Us', owner), 403);
    expect((await getConversation(group.id, owner)).body.name).toBe('Group');
  });

  it('answers 404 for a non-member and 400 for a bad name', async () => {
    const [owner, eve] = await users(2);
    const group = await createGroup(http, owner, []);

    const outsider = await rename(group.id, 'Hijacked', eve);
    expectContractError(outsider, 404);
    expect(outsider.body).toEqual((await rename(unknownId(), 'Hijacked', eve)).body);
    for (const name of [undefined, '', '  ', 'x'.repeat(101), 42, 'line\nbreak']) {
      expectContractError(await rename(group.id, name, owner), 400);
    }
  });
});

describe('POST /conversations/:id/members', () => {
  it('lets the owner add a member and an admin add an admin', async () => {
    const [owner, admin, bob, carol] = await users(4);
    const group = await createGroup(http, owner, []);

    const addedAdmin = await addMember(group.id, { userId: admin.user.id, role: 'admin' }, owner);
    expect(addedAdmin.status).toBe(201);
    expectMembers(addedAdmin.body, [member(owner, 'owner'), member(admin, 'admin')]);

    const addedByOwner = await addMember(group.id, { userId: bob.user.id }, owner);
    expect(addedByOwner.status).toBe(201);

    const addedByAdmin = await addMember(group.id, { userId: carol.user.id, role: 'admin' }, admin);
    expect(addedByAdmin.status).toBe(201);
    expectMembers(addedByAdmin.body, [
      member(owner, 'owner'),
      member(admin, 'admin'),
      member(bob, 'member'),
      member(carol, 'admin'),
    ]);
    expect(addedByAdmin.body).toMatchObject({ id: group.id, type: 'group', lastReadSeq: 0 });
    expect((await getConversation(group.id, carol)).status).toBe(200);
  });

  it('answers 403 for a plain member and for a direct conversation', async () => {
    const [owner, bob, carol] = await users(3);
    const group = await createGroup(http, owner, [bob]);
    const direct = await createDirect(http, owner, bob);

    expectContractError(await addMember(group.id, { userId: carol.user.id }, bob), 403);
    expectContractError(await addMember(direct.id, { userId: carol.user.id }, owner), 403);
    expectContractError(await getConversation(group.id, carol), 404);
  });

  it('answers 409 for someone who already is a member', async () => {
    const [owner, bob] = await users(2);
    const group = await createGroup(http, owner, []);

    expect((await addMember(group.id, { userId: bob.user.id }, owner)).status).toBe(201);
    expectContractError(await addMember(group.id, { userId: bob.user.id }, owner), 409);
    expectContractError(await addMember(group.id, { userId: owner.user.id }, owner), 409);
    expectMembers((await getConversation(group.id, owner)).body, [
      member(owner, 'owner'),
      member(bob, 'member'),
    ]);
  });

  it('adds someone once when two managers add them at the same time', async () => {
    const [owner, admin, bob] = await users(3);
    const group = await createGroup(http, owner, []);
    await addMember(group.id, { userId: admin.user.id, role: 'admin' }, owner);

    const results = await Promise.all([
      addMember(group.id, { userId: bob.user.id }, owner),
      addMember(group.id, { userId: bob.user.id }, admin),
    ]);

    expect(results.map((result) => result.status).sort()).toEqual([201, 409]);
    expect((await getConversation(group.id, owner)).body.members).toHaveLength(3);
  });

  it('answers 404 for a non-member caller or an unknown user, 400 for a bad body', async () => {
    const [owner, bob, eve] = await users(3);
    const group = await createGroup(http, owner, []);

    const outsider = await addMember(group.id, { userId: bob.user.id }, eve);
    expectContractError(outsider, 404);
    expect(outsider.body).toEqual(
      (await addMember(unknownId(), { userId: bob.user.id }, eve)).body,
    );
    expectContractError(await addMember(group.id, { userId: unknownId() }, owner), 404);
    for (const body of [
      {},
      { userId: 'not-a-uuid' },
      { userId: bob.user.id, role: 'owner' },
      { userId: bob.user.id, role: 'boss' },
    ]) {
      expectContractError(await addMember(group.id, body, owner), 400);
    }
  });
});

describe('DELETE /conversations/:id/members/:userId', () => {
  it('lets the owner remove a member, after which the member sees 404', async () => {
    const [owner, bob] = await users(2);
    const group = await createGroup(http, owner, [bob]);

    const response = await removeMember(group.id, bob.user.id, owner);

    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expectContractError(await getConversation(group.id, bob), 404);
    expectContractError(
      await http.get(`/conversations/${group.id}/messages`, bob.accessToken),
      404,
    );
    expectMembers((await getConversation(group.id, owner)).body, [member(owner, 'owner')]);
  });

  it('lets a member leave', async () => {
    const [owner, bob] = await users(2);
    const group = await createGroup(http, owner, [bob]);

    expect((await removeMember(group.id, bob.user.id, bob)).status).toBe(204);
    expectContractError(await getConversation(group.id, bob), 404);
    expect((await listConversations(bob)).body.conversations).toEqual([]);
  });

  it('answers 403 when a member removes someone else or an admin removes an owner or admin', async () => {
    const [owner, admin, otherAdmin, bob, carol] = await users(5);
    const group = await createGroup(http, owner, [bob, carol]);
    await addMember(group.id, { userId: admin.user.id, role: 'admin' }, owner);
    await addMember(group.id, { userId: otherAdmin.user.id, role: 'admin' }, owner);

    expectContractError(await removeMember(group.id, carol.user.id, bob), 403);
    expectContractError(await removeMember(group.id, owner.user.id, bob), 403);
    expectContractError(await removeMember(group.id, owner.user.id, admin), 403);
    expectContractError(await removeMember(group.id, otherAdmin.user.id, admin), 403);
    expect((await getConversation(group.id, owner)).body.members).toHaveLength(5);

    expect((await removeMember(group.id, carol.user.id, admin)).status).toBe(204);
    expect((await removeMember(group.id, otherAdmin.user.id, owner)).status).toBe(204);
    expectMembers((await getConversation(group.id, owner)).body, [
      member(owner, 'owner'),
      member(admin, 'admin'),
      member(bob, 'member'),
    ]);
  });

  it('lets an admin leave', async () => {
    const [owner, admin] = await users(2);
    const group = await createGroup(http, owner, []);
    await addMember(group.id, { userId: admin.user.id, role: 'admin' }, owner);

    expect((await removeMember(group.id, admin.user.id, admin)).status).toBe(204);
    expectMembers((await getConversation(group.id, owner)).body, [member(owner, 'owner')]);
  });

  it('answers 403 for either member of a direct conversation', async () => {
    const [alice, bob] = await users(2);
    const direct = await createDirect(http, alice, bob);

    expectContractError(await removeMember(direct.id, alice.user.id, alice), 403);
    expectContractError(await removeMember(direct.id, bob.user.id, alice), 403);
    expect((await getConversation(direct.id, bob)).status).toBe(200);
  });

  it('answers 404 for a non-member caller and for a target who is not a member', async () => {
    const [owner, bob, eve] = await users(3);
    const group = await createGroup(http, owner, [bob]);

    const outsider = await removeMember(group.id, bob.user.id, eve);
    expectContractError(outsider, 404);
    expect(outsider.body).toEqual((await removeMember(unknownId(), bob.user.id, eve)).body);
    expectContractError(await removeMember(group.id, eve.user.id, eve), 404);
    expectContractError(await removeMember(group.id, eve.user.id, owner), 404);
    expectContractError(await removeMember(group.id, 'not-a-uuid', owner), 404);
    expect((await getConversation(group.id, bob)).status).toBe(200);
  });

  it('hands ownership to the longest-standing admin when the owner leaves', async () => {
    const [owner, bob, firstAdmin, secondAdmin] = await users(4);
    const group = await createGroup(http, owner, [bob]);
    await addMember(group.id, { userId: firstAdmin.user.id, role: 'admin' }, owner);
    await sleep(5);
    await addMember(group.id, { userId: secondAdmin.user.id, role: 'admin' }, owner);

    expect((await removeMember(group.id, owner.user.id, owner)).status).toBe(204);

    expectContractError(await getConversation(group.id, owner), 404);
    expectMembers((await getConversation(group.id, bob)).body, [
      member(bob, 'member'),
      member(firstAdmin, 'owner'),
      member(secondAdmin, 'admin'),
    ]);
    // The new owner has the owner's powers.
    expect((await removeMember(group.id, secondAdmin.user.id, firstAdmin)).status).toBe(204);
  });

  it('hands ownership to the longest-standing member when there is no admin', async () => {
    const [owner, bob, carol] = await users(3);
    const group = await createGroup(http, owner, [bob]);
    await sleep(5);
    await addMember(group.id, { userId: carol.user.id }, owner);

    expect((await removeMember(group.id, owner.user.id, owner)).status).toBe(204);

    expectMembers((await getConversation(group.id, carol)).body, [
      member(bob, 'owner'),
      member(carol, 'member'),
    ]);
  });
});

describe('GET /conversations', () => {
  /** A user with 5 groups and 2 directs, created oldest first, a few ms apart. */
  async function userWithSevenConversations() {
    const [me, bob, carol] = await users(3);
    const created: Conversation[] = [];
    for (let index = 0; index < 5; index++) {
      created.push(await createGroup(http, me, [bob], `Group ${index}`));
      // Two creations in the same millisecond would tie on updatedAt; keep the order known.
      await sleep(3);
    }
    created.push(await createDirect(http, me, bob));
    await sleep(3);
    created.push(await createDirect(http, me, carol));
    await sleep(3);
    return { me: me, bob: bob, carol: carol, created };
  }

  it('lists newest activity first; a message moves a conversation to the top', async () => {
    const { me, bob, created } = await userWithSevenConversations();
    const newestFirst = created.map((conversation) => conversation.id).reverse();

    const before = await listConversations(me);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ conversations: expect.any(Array), nextCursor: null });
    expect(before.body.conversations.map((conversation) => conversation.id)).toEqual(newestFirst);

    const bobDirect = created[5]!;
    const myDevice = await online(me);
    const sent = await sendMessage(myDevice.socket, bobDirect.id, 'bump');

    const mine = (await listConversations(me)).body.conversations;
    expect(mine.map((conversation) => conversation.id)).toEqual([
      bobDirect.id,
      ...newestFirst.filter((id) => id !== bobDirect.id),
    ]);
    expect(mine[0]).toMatchObject({
      lastMessage: sent,
      lastSeq: 1,
      unreadCount: 0,
      lastReadSeq: 1,
    });
    expect(mine.slice(1).every((conversation) => conversation.lastMessage === null)).toBe(true);

    const bobs = (await listConversations(bob)).body.conversations;
    expect(bobs[0]).toMatchObject({
      id: bobDirect.id,
      lastMessage: sent,
      lastSeq: 1,
      unreadCount: 1,
      lastReadSeq: 0,
    });
    // Bob is in the five groups and this direct, never in my direct with Carol.
    expect(bobs.map((conversation) => conversation.id).sort()).toEqual(
      created
        .slice(0, 6)
        .map((conversation) => conversation.id)
        .sort(),
    );
  });

  it('walks every conversation with limit and nextCursor, without overlap or gap', async () => {
    const { me, created } = await userWithSevenConversations();
    const all = (await listConversations(me)).body.conversations.map(
      (conversation) => conversation.id,
    );
    expect(all).toHaveLength(7);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string =
        cursor === null ? '?limit=3' : `?limit=3&before=${encodeURIComponent(cursor)}`;
      const response = await listConversations(me, query);
      expect(response.status).toBe(200);
      pages.push(response.body.conversations.map((conversation) => conversation.id));
      cursor = response.body.nextCursor;
      expect(pages.length).toBeLessThanOrEqual(3);
    } while (cursor !== null);

    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(all);
    expect(new Set(pages.flat())).toEqual(new Set(created.map((conversation) => conversation.id)));
  });

  it('pages without overlap or gap when conversations were created at the same moment', async () => {
    const [me, bob] = await users(2);
    // Created concurrently, several are likely to share one updatedAt millisecond.
    const created = await Promise.all(
      Array.from({ length: 9 }, (_, index) => createGroup(http, me, [bob], `Tie ${index}`)),
    );

    const walked: Conversation[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 6; page++) {
      const query: string =
        cursor === null ? '?limit=2' : `?limit=2&before=${encodeURIComponent(cursor)}`;
      const response = await listConversations(me, query);
      walked.push(...response.body.conversations);
      cursor = response.body.nextCursor;
      if (cursor === null) break;
    }

    expect(cursor).toBeNull();
    expect(walked.map((conversation) => conversation.id).sort()).toEqual(
      created.map((conversation) => conversation.id).sort(),
    );
    const keys = walked.map((conversation) => [conversation.updatedAt, conversation.id].join('|'));
    expect(keys).toEqual([...keys].sort().reverse());
  });

  it('also takes a plain updatedAt as the before cursor', async () => {
    const { me } = await userWithSevenConversations();
    const all = (await listConversations(me)).body.conversations;

    const response = await listConversations(
      me,
      `?limit=3&before=${encodeURIComponent(all[2]!.updatedAt)}`,
    );

    expect(response.status).toBe(200);
    expect(response.body.conversations.map((conversation) => conversation.id)).toEqual(
      all.slice(3, 6).map((conversation) => conversation.id),
    );
    expect(response.body.nextCursor).toEqual(expect.any(String));
  });

  it('answers 400 for a limit out of range or a bad cursor', async () => {
    const [me] = await users(1);
    for (const query of [
      '?limit=0',
      '?limit=101',
      '?limit=-1',
      '?limit=abc',
      '?limit=2.5',
      '?before=yesterday',
      '?before=',
    ]) {
      expectContractError(await listConversations(me, query), 400);
    }
    expect((await listConversations(me, '?limit=100')).status).toBe(200);
    expect((await listConversations(me, '?limit=1')).status).toBe(200);
  });
});

describe('GET /conversations/:id/messages', () => {
  let bulk: TestApp;
  let bulkHttp: Http;

  beforeAll(async () => {
    // 120 sends in a burst: past the default per-user send rate limit.
    bulk = await startTestApp({ SEND_RATE_BURST: '1000', SEND_RATE_PER_SEC: '1000' });
    bulkHttp = httpClient(bulk.baseUrl);
  });
  afterAll(() => bulk.close());

  const history = (id: string, query: string, session: Session) =>
    bulkHttp.get<MessagePage>(`/conversations/${id}/messages${query}`, session.accessToken);

  const seqs = (messages: Message[]) => messages.map((message) => message.seq);
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, index) => from + index);

  it('pages 120 messages back and forth, ascending, without overlap or gap', async () => {
    const [alice, bob] = await users(2, bulkHttp);
    const conversation = await createDirect(bulkHttp, alice, bob);
    const aliceDevice = await online(alice, bulk);
    const sent = await Promise.all(
      range(1, 120).map((index) => sendMessage(aliceDevice.socket, conversation.id, `m${index}`)),
    );
    expect(seqs(sent)).toEqual(range(1, 120));

    const latest = await history(conversation.id, '?limit=50', bob);
    expect(latest.status).toBe(200);
    expect(seqs(latest.body.messages)).toEqual(range(71, 120));
    expect(latest.body.hasMore).toBe(true);

    const middle = await history(
      conversation.id,
      `?limit=50&before=${latest.body.messages[0]!.seq}`,
      bob,
    );
    expect(seqs(middle.body.messages)).toEqual(range(21, 70));
    expect(middle.body.hasMore).toBe(true);

    const oldest = await history(
      conversation.id,
      `?limit=50&before=${middle.body.messages[0]!.seq}`,
      bob,
    );
    expect(seqs(oldest.body.messages)).toEqual(range(1, 20));
    expect(oldest.body.hasMore).toBe(false);

    expect([...oldest.body.messages, ...middle.body.messages, ...latest.body.messages]).toEqual(
      sent,
    );

    const forward: MessagePage[] = [];
    for (const after of [0, 50, 100]) {
      const page = await history(conversation.id, `?limit=50&after=${after}`, bob);
      expect(page.status).toBe(200);
      forward.push(page.body);
    }
    expect(forward.map((page) => seqs(page.messages))).toEqual([
      range(1, 50),
      range(51, 100),
      range(101, 120),
    ]);
    expect(forward.map((page) => page.hasMore)).toEqual([true, true, false]);
    expect(forward.flatMap((page) => page.messages)).toEqual(sent);

    expect((await history(conversation.id, '?after=120', bob)).body).toEqual({
      messages: [],
      hasMore: false,
    });
    const byDefault = await history(conversation.id, '', bob);
    expect(seqs(byDefault.body.messages)).toEqual(range(71, 120));
    expect(byDefault.body.hasMore).toBe(true);
  });

  it('answers an empty page for a conversation without messages', async () => {
    const [alice, bob] = await users(2, bulkHttp);
    const conversation = await createDirect(bulkHttp, alice, bob);
    expect((await history(conversation.id, '', alice)).body).toEqual({
      messages: [],
      hasMore: false,
    });
  });

  it('answers 400 for a bad query and 404 for a non-member', async () => {
    const [alice, bob, eve] = await users(3, bulkHttp);
    const conversation = await createDirect(bulkHttp, alice, bob);

    for (const query of [
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?before=5&after=2',
      '?before=-1',
      '?after=abc',
    ]) {
      expectContractError(await history(conversation.id, query, alice), 400);
    }
    const outsider = await history(conversation.id, '', eve);
    expectContractError(outsider, 404);
    expect(outsider.body).toEqual((await history(unknownId(), '', eve)).body);
  });

  it('answers 400 for an empty before or after, not an empty page', async () => {
    const [alice, bob] = await users(2, bulkHttp);
    const conversation = await createDirect(bulkHttp, alice, bob);
    await sendMessage((await online(alice, bulk)).socket, conversation.id, 'there is history');

    // An empty seq is no seq: answering `{messages: [], hasMore: false}` tells the client
    // that there is no history at all.
    expectContractError(await history(conversation.id, '?before=', alice), 400);
    expectContractError(await history(conversation.id, '?after=', alice), 400);
  });
});

describe('POST /conversations/:id/read', () => {
  it('moves the read watermark forward only, clamps it, and emits receipt and unread events', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(http, alice, bob);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    for (let index = 1; index <= 6; index++) {
      await sendMessage(aliceDevice.socket, conversation.id, `m${index}`);
    }

    const readFive = await markRead(conversation.id, 5, bob);
    expect(readFive.status).toBe(200);
    expect(readFive.body).toEqual({ lastReadSeq: 5, unreadCount: 1 });

    const readThree = await markRead(conversation.id, 3, bob);
    expect(readThree.status).toBe(200);
    expect(readThree.body).toEqual({ lastReadSeq: 5, unreadCount: 1 });
    expect((await getConversation(conversation.id, bob)).body).toMatchObject({
      lastReadSeq: 5,
      unreadCount: 1,
    });

    const readPastEnd = await markRead(conversation.id, 999, bob);
    expect(readPastEnd.body).toEqual({ lastReadSeq: 6, unreadCount: 0 });
    expect((await getConversation(conversation.id, bob)).body).toMatchObject({
      lastSeq: 6,
      lastReadSeq: 6,
      unreadCount: 0,
    });

    const receipt = (readSeq: number) => ({
      conversationId: conversation.id,
      userId: bob.user.id,
      deliveredSeq: readSeq,
      readSeq,
    });
    await aliceDevice.log.waitFor('receipt:update', (event) => event.readSeq === 6);
    // Events arrive in order: the read of 3 (which moved nothing) sent nothing in between.
    expect(aliceDevice.log.of('receipt:update')).toEqual([receipt(5), receipt(6)]);
    await bobDevice.log.waitFor('unread:update', (event) => event.lastReadSeq === 6);
    expect(bobDevice.log.of('unread:update')).toEqual([
      { conversationId: conversation.id, unreadCount: 1, lastReadSeq: 5 },
      { conversationId: conversation.id, unreadCount: 0, lastReadSeq: 6 },
    ]);
  });

  it('answers 400 for a bad seq and 404 for a non-member', async () => {
    const [alice, bob, eve] = await users(3);
    const conversation = await createDirect(http, alice, bob);

    for (const seq of [undefined, -1, 1.5, '3', null]) {
      expectContractError(await markRead(conversation.id, seq, alice), 400);
    }
    const outsider = await markRead(conversation.id, 1, eve);
    expectContractError(outsider, 404);
    expect(outsider.body).toEqual((await markRead(unknownId(), 1, eve)).body);
  });
});

describe('unread counts and receipts in a group', () => {
  it('gives each of three members their own unread count, read watermark and receipts', async () => {
    const [alice, bob, carol] = await users(3);
    const group = await createGroup(http, alice, [bob, carol], 'Trio');
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const carolDevice = await online(carol);
    let last: Message | undefined;
    for (let index = 1; index <= 4; index++) {
      last = await sendMessage(aliceDevice.socket, group.id, `m${index}`);
    }

    expect((await markRead(group.id, 2, bob)).body).toEqual({ lastReadSeq: 2, unreadCount: 2 });
    expect((await markRead(group.id, 4, carol)).body).toEqual({ lastReadSeq: 4, unreadCount: 0 });

    const expected = [
      { session: alice, lastReadSeq: 4, unreadCount: 0 },
      { session: bob, lastReadSeq: 2, unreadCount: 2 },
      { session: carol, lastReadSeq: 4, unreadCount: 0 },
    ];
    for (const { session, lastReadSeq, unreadCount } of expected) {
      const viewed = (await getConversation(group.id, session)).body;
      expect(viewed).toMatchObject({ lastSeq: 4, lastMessage: last, lastReadSeq, unreadCount });
      const listed = (await listConversations(session)).body.conversations;
      expect(listed.find((conversation) => conversation.id === group.id)).toEqual(viewed);
    }

    const bobReceipt = {
      conversationId: group.id,
      userId: bob.user.id,
      deliveredSeq: 2,
      readSeq: 2,
    };
    const carolReceipt = {
      conversationId: group.id,
      userId: carol.user.id,
      deliveredSeq: 4,
      readSeq: 4,
    };
    for (const device of [aliceDevice, bobDevice, carolDevice]) {
      await device.log.waitFor('receipt:update', (event) => event.userId === carol.user.id);
      expect(device.log.of('receipt:update')).toEqual([bobReceipt, carolReceipt]);
    }
    expect(await bobDevice.log.waitFor('unread:update')).toEqual({
      conversationId: group.id,
      unreadCount: 2,
      lastReadSeq: 2,
    });
    expect(await carolDevice.log.waitFor('unread:update')).toEqual({
      conversationId: group.id,
      unreadCount: 0,
      lastReadSeq: 4,
    });

    // A rename reaches every member as one shared update, without the per-viewer read state
    // (contract v2 fan-out rules): each member keeps their own.
    expect((await rename(group.id, 'Trio renamed', alice)).status).toBe(200);
    for (const device of [aliceDevice, bobDevice, carolDevice]) {
      const update = await device.log.waitFor(
        'conversation:updated',
        (conversation) => conversation.name === 'Trio renamed',
      );
      expect(update).toMatchObject({ id: group.id, lastSeq: 4, lastMessage: last });
      expect(update).not.toHaveProperty('unreadCount');
      expect(update).not.toHaveProperty('lastReadSeq');
    }
  });
});

describe('real-time membership', () => {
  it('tells each member’s socket about a new direct or group conversation and routes its messages', async () => {
    const [alice, bob, carol] = await users(3);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const carolDevice = await online(carol);

    const direct = await createDirect(http, alice, bob);
    for (const device of [aliceDevice, bobDevice]) {
      expect(
        await device.log.waitFor(
          'conversation:updated',
          (conversation) => conversation.id === direct.id,
        ),
      ).toEqual(direct);
    }

    const group = await createGroup(http, alice, [bob, carol], 'Fresh');
    for (const device of [aliceDevice, bobDevice, carolDevice]) {
      expect(
        await device.log.waitFor(
          'conversation:updated',
          (conversation) => conversation.id === group.id,
        ),
      ).toEqual(group);
    }

    const message = await sendMessage(aliceDevice.socket, group.id, 'welcome');
    for (const device of [bobDevice, carolDevice]) {
      expect(await device.log.waitFor('message:new', (event) => event.id === message.id)).toEqual(
        message,
      );
    }
    expect(
      carolDevice.log.of('conversation:updated').map((conversation) => conversation.id),
    ).toEqual([group.id]);
  });

  it('delivers to a member added while connected, without reconnecting', async () => {
    const [owner, bob, carol] = await users(3);
    const group = await createGroup(http, owner, [bob]);
    const ownerDevice = await online(owner);
    const bobDevice = await online(bob);
    const carolDevice = await online(carol);

    const added = await addMember(group.id, { userId: carol.user.id }, owner);
    expect(added.status).toBe(201);

    const carolView = await carolDevice.log.waitFor(
      'conversation:updated',
      (conversation) => conversation.id === group.id,
    );
    expect(carolView).toMatchObject({ id: group.id, type: 'group', name: 'Group' });
    expectMembers(carolView, [
      member(owner, 'owner'),
      member(bob, 'member'),
      member(carol, 'member'),
    ]);
    // Sent to Carol's own room: the whole conversation as she sees it, nothing unread yet.
    expect(carolView).toHaveProperty('unreadCount', 0);
    expect(carolView).toHaveProperty('lastReadSeq', carolView.lastSeq);
    const bobView = await bobDevice.log.waitFor(
      'conversation:updated',
      (conversation) => conversation.id === group.id && conversation.members.length === 3,
    );
    expectMembers(bobView, carolView.members);

    const message = await sendMessage(ownerDevice.socket, group.id, 'hi carol');
    expect(
      await carolDevice.log.waitFor('message:new', (event) => event.id === message.id),
    ).toEqual(message);
  });

  it('tells a removed member and stops delivering to them', async () => {
    const [owner, bob, carol] = await users(3);
    const group = await createGroup(http, owner, [bob, carol]);
    const control = await createDirect(http, owner, carol);
    const ownerDevice = await online(owner);
    const bobDevice = await online(bob);
    const carolDevice = await online(carol);
    const before = await sendMessage(ownerDevice.socket, group.id, 'before');
    await carolDevice.log.waitFor('message:new', (event) => event.id === before.id);

    expect((await removeMember(group.id, carol.user.id, owner)).status).toBe(204);

    expect(await carolDevice.log.waitFor('conversation:removed')).toEqual({
      conversationId: group.id,
    });
    const remaining = await bobDevice.log.waitFor(
      'conversation:updated',
      (conversation) => conversation.id === group.id && conversation.members.length === 2,
    );
    expectMembers(remaining, [member(owner, 'owner', before.seq), member(bob, 'member')]);

    const after = await sendMessage(ownerDevice.socket, group.id, 'after');
    await bobDevice.log.waitFor('message:new', (event) => event.id === after.id);
    // Carol's own later message arrives in order after anything she could have got before it.
    const later = await sendMessage(ownerDevice.socket, control.id, 'control');
    await carolDevice.log.waitFor('message:new', (event) => event.id === later.id);
    expect(carolDevice.log.of('message:new').map((message) => message.id)).toEqual([
      before.id,
      later.id,
    ]);
    expect(carolDevice.log.of('conversation:updated').some((c) => c.id === group.id)).toBe(false);
    expectContractError(await getConversation(group.id, carol), 404);
    const refusedSend = await request(carolDevice.socket, 'message:send', {
      conversationId: group.id,
      content: 'still here?',
      clientMsgId: randomUUID(),
    });
    expect(refusedSend).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.any(String) },
    });
    expect(
      await request(carolDevice.socket, 'conversation:join', { conversationId: group.id }),
    ).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } });

    // Added back, the same socket is in the room again.
    expect((await addMember(group.id, { userId: carol.user.id }, owner)).status).toBe(201);
    const again = await sendMessage(ownerDevice.socket, group.id, 'welcome back');
    expect(await carolDevice.log.waitFor('message:new', (event) => event.id === again.id)).toEqual(
      again,
    );
  });

  it('tells a member who leaves, on every device', async () => {
    const [owner, bob] = await users(2);
    const group = await createGroup(http, owner, [bob]);
    const bobPhone = await online(bob);
    const bobLaptop = await online(bob);

    expect((await removeMember(group.id, bob.user.id, bob)).status).toBe(204);

    for (const device of [bobPhone, bobLaptop]) {
      expect(await device.log.waitFor('conversation:removed')).toEqual({
        conversationId: group.id,
      });
    }
  });
});
