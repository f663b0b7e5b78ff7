import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Conversation } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { sendMessage } from './support/chat-client.js';
import { conversationRoutes, expectMembers, member } from './support/conversation-api.js';
import { expectContractError } from './support/test-app.js';

const { http, online, users, createDirect, createGroup } = useTestApp();
const { getConversation, rename, addMember, removeMember, listConversations } =
  conversationRoutes(http);

const isoTime = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const unknownId = () => randomUUID();

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
      lastRev: 0,
      unreadCount: 0,
      mentionCount: 0,
      lastReadSeq: 0,
      createdAt: isoTime,
      updatedAt: isoTime,
      request: false,
    });
    expectMembers(response.body, [member(alice, 'member'), member(bob, 'member')]);
  });

  it('answers 200 with the same conversation when either side asks again', async () => {
    const [alice, bob] = await users(2);
    const first = await createDirect(alice, bob);

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
      lastRev: 0,
      unreadCount: 0,
      mentionCount: 0,
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
    const conversation = await createDirect(alice, bob);
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
      lastRev: 1,
      unreadCount: 0,
      mentionCount: 0,
      lastReadSeq: 1,
      updatedAt: isoTime,
      request: false,
    });
    expect(asBob.status).toBe(200);
    expect(asBob.body).toEqual({ ...asAlice.body, unreadCount: 1, lastReadSeq: 0 });
  });

  it('answers a non-member exactly as it answers an unknown id', async () => {
    const [alice, bob, eve] = await users(3);
    const conversation = await createDirect(alice, bob);

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
    const group = await createGroup(owner, [], 'Before');
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
    const group = await createGroup(owner, [bob]);
    const direct = await createDirect(owner, bob);

    expectContractError(await rename(group.id, 'Mine now', bob), 403);
    expectContractError(await rename(direct.id, 'Us', owner), 403);
    expect((await getConversation(group.id, owner)).body.name).toBe('Group');
  });

  it('answers 404 for a non-member and 400 for a bad name', async () => {
    const [owner, eve] = await users(2);
    const group = await createGroup(owner, []);

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
    const group = await createGroup(owner, []);

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
    const group = await createGroup(owner, [bob]);
    const direct = await createDirect(owner, bob);

    expectContractError(await addMember(group.id, { userId: carol.user.id }, bob), 403);
    expectContractError(await addMember(direct.id, { userId: carol.user.id }, owner), 403);
    expectContractError(await getConversation(group.id, carol), 404);
  });

  it('answers 409 for someone who already is a member', async () => {
    const [owner, bob] = await users(2);
    const group = await createGroup(owner, []);

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
    const group = await createGroup(owner, []);
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
    const group = await createGroup(owner, []);

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
    const group = await createGroup(owner, [bob]);

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
    const group = await createGroup(owner, [bob]);

    expect((await removeMember(group.id, bob.user.id, bob)).status).toBe(204);
    expectContractError(await getConversation(group.id, bob), 404);
    expect((await listConversations(bob)).body.conversations).toEqual([]);
  });

  it('answers 403 when a member removes someone else or an admin removes an owner or admin', async () => {
    const [owner, admin, otherAdmin, bob, carol] = await users(5);
    const group = await createGroup(owner, [bob, carol]);
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
    const group = await createGroup(owner, []);
    await addMember(group.id, { userId: admin.user.id, role: 'admin' }, owner);

    expect((await removeMember(group.id, admin.user.id, admin)).status).toBe(204);
    expectMembers((await getConversation(group.id, owner)).body, [member(owner, 'owner')]);
  });

  it('answers 403 for either member of a direct conversation', async () => {
    const [alice, bob] = await users(2);
    const direct = await createDirect(alice, bob);

    expectContractError(await removeMember(direct.id, alice.user.id, alice), 403);
    expectContractError(await removeMember(direct.id, bob.user.id, alice), 403);
    expect((await getConversation(direct.id, bob)).status).toBe(200);
  });

  it('answers 404 for a non-member caller and for a target who is not a member', async () => {
    const [owner, bob, eve] = await users(3);
    const group = await createGroup(owner, [bob]);

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
    const group = await createGroup(owner, [bob]);
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
    const group = await createGroup(owner, [bob]);
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
      created.push(await createGroup(me, [bob], `Group ${index}`));
      // Two creations in the same millisecond would tie on updatedAt; keep the order known.
      await sleep(3);
    }
    created.push(await createDirect(me, bob));
    await sleep(3);
    created.push(await createDirect(me, carol));
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
      lastRev: 1,
      unreadCount: 0,
      mentionCount: 0,
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
      Array.from({ length: 9 }, (_, index) => createGroup(me, [bob], `Tie ${index}`)),
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
