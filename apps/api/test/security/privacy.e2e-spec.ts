/**
 * Audit finding M5, "no consent": anyone could open a direct chat with anyone or add anyone to
 * a group, and so see their presence for good. These cases pin down the privacy settings of
 * contract section 9: presence, direct message requests and group adds.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Conversation, ConversationPage, PrivacySettings } from '@parley/protocol';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../../bench/src/free-port.js';
import { useTestApp } from '../support/api-context.js';
import { ApiNode, PrivateRedis } from '../support/cluster.js';
import {
  createDirect,
  createGroup,
  registerUser,
  request,
  sendMessage,
  type ConnectedClient,
  type Session,
} from '../support/chat-client.js';
import { httpClient } from '../support/test-app.js';

const { http, online, users } = useTestApp();

// Long enough for an event that was going to come to arrive over loopback.
const QUIET_MS = 300;

/**
 * Once `peer` has heard the user online, closes the user's socket and expects `peer` to hear
 * them go offline.
 */
async function expectLastCloseAnnounced(
  peer: ConnectedClient,
  userSocket: ConnectedClient,
  userId: string,
) {
  await peer.log.waitFor('presence', (event) => event.userId === userId);
  userSocket.socket.close();

  const offline = await peer.log.waitFor(
    'presence',
    (event) => event.userId === userId && event.status === 'offline',
  );
  expect(offline.status).toBe('offline');
}

const setPrivacy = (session: Session, body: unknown) =>
  http.request<PrivacySettings>('PATCH', '/users/me/privacy', {
    body,
    token: session.accessToken,
  });

async function usePrivacy(session: Session, body: Partial<PrivacySettings>) {
  const response = await setPrivacy(session, body);
  expect(response.status).toBe(200);
}

const listConversations = (session: Session, query = '') =>
  http.get<ConversationPage>(`/conversations${query}`, session.accessToken);

const listedIds = async (session: Session, query = '') =>
  (await listConversations(session, query)).body.conversations.map(
    (conversation) => conversation.id,
  );

const accept = (id: string, session: Session) =>
  http.post<Conversation>(`/conversations/${id}/accept`, undefined, session.accessToken);

const decline = (id: string, session: Session) =>
  http.post(`/conversations/${id}/decline`, undefined, session.accessToken);

const presenceOf = (client: ConnectedClient, userId: string) =>
  client.log.of('presence').filter((event) => event.userId === userId);

/** Makes `other` a contact of `owner`: `owner` sends in their direct conversation. */
async function makeContact(owner: Session, other: Session): Promise<Conversation> {
  const conversation = await createDirect(http, other, owner);
  const socket = await online(owner);
  await sendMessage(socket.socket, conversation.id, 'hello');
  socket.socket.close();
  return conversation;
}

describe('GET and PATCH /users/me/privacy', () => {
  it('starts with the defaults that keep v1 behaviour', async () => {
    const [alice] = await users(1);

    const response = await http.get<PrivacySettings>('/users/me/privacy', alice.accessToken);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      presence: 'everyone',
      directMessages: 'everyone',
      groupAdds: 'everyone',
    });
  });

  it('changes only the settings given and answers all of them', async () => {
    const [alice] = await users(1);

    const first = await setPrivacy(alice, { presence: 'contacts' });
    const second = await setPrivacy(alice, { directMessages: 'requests', groupAdds: 'contacts' });
    const third = await setPrivacy(alice, { presence: 'nobody' });
    const read = await http.get<PrivacySettings>('/users/me/privacy', alice.accessToken);

    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      presence: 'contacts',
      directMessages: 'everyone',
      groupAdds: 'everyone',
    });
    expect(second.body).toEqual({
      presence: 'contacts',
      directMessages: 'requests',
      groupAdds: 'contacts',
    });
    expect(third.body).toEqual({
      presence: 'nobody',
      directMessages: 'requests',
      groupAdds: 'contacts',
    });
    expect(read.body).toEqual(third.body);
  });

  it('answers 400 for bad input and changes nothing', async () => {
    const [alice] = await users(1);
    const badBodies = [
      { presence: 'friends' },
      { presence: null },
      { directMessages: 'nobody' },
      { groupAdds: 'nobody' },
      { groupAdds: true },
      { presense: 'nobody' },
      [],
      'nobody',
    ];
    for (const body of badBodies) {
      const response = await setPrivacy(alice, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.any(String),
      });
    }
    const read = await http.get<PrivacySettings>('/users/me/privacy', alice.accessToken);
    expect(read.body.presence).toBe('everyone');
  });

  it('needs a token', async () => {
    expect((await http.get('/users/me/privacy')).status).toBe(401);
    expect((await http.request('PATCH', '/users/me/privacy', { body: {} })).status).toBe(401);
  });
});

describe('groupAdds: "contacts"', () => {
  it('refuses adding the user to a group with 403, unless the adder is a contact', async () => {
    const [owner, target, friend] = await users(3);
    await usePrivacy(target, { groupAdds: 'contacts' });
    const group = await createGroup(http, owner, [friend]);
    const friendsGroup = await createGroup(http, friend, []);
    await makeContact(target, friend);

    const refused = await http.post(
      `/conversations/${group.id}/members`,
      { userId: target.user.id },
      owner.accessToken,
    );
    const allowed = await http.post(
      `/conversations/${friendsGroup.id}/members`,
      { userId: target.user.id },
      friend.accessToken,
    );

    expect(refused.status).toBe(403);
    expect(allowed.status).toBe(201);
    expect(await listedIds(target)).not.toContain(group.id);
    expect(await listedIds(target)).toContain(friendsGroup.id);
  });

  it('refuses a whole group creation that names the user', async () => {
    const [owner, target, bystander] = await users(3);
    await usePrivacy(target, { groupAdds: 'contacts' });

    const response = await http.post(
      '/conversations',
      { type: 'group', name: 'Surprise', memberIds: [bystander.user.id, target.user.id] },
      owner.accessToken,
    );

    expect(response.status).toBe(403);
    expect(await listedIds(owner)).toEqual([]);
    expect(await listedIds(bystander)).toEqual([]);
  });

  it('counts only someone the user has written to, not someone who wrote to the user', async () => {
    const [stranger, target] = await users(2);
    await usePrivacy(target, { groupAdds: 'contacts' });
    // The stranger writes to the target; the target never answers.
    await makeContact(stranger, target);

    const response = await http.post(
      '/conversations',
      { type: 'group', name: 'Mine', memberIds: [target.user.id] },
      stranger.accessToken,
    );

    expect(response.status).toBe(403);
  });
});

describe('presence: "nobody" and "contacts"', () => {
  it('"nobody": peers get no presence event and no snapshot entry', async () => {
    const [hidden, peer, control] = await users(3);
    await createGroup(http, peer, [hidden, control]);
    await usePrivacy(hidden, { presence: 'nobody' });
    const peerSocket = await online(peer);

    await online(hidden);
    await online(control);
    await peerSocket.log.waitFor('presence', (event) => event.userId === control.user.id);
    await sleep(QUIET_MS);
    const lateSocket = await online(peer);
    await lateSocket.log.waitFor('presence', (event) => event.userId === control.user.id);
    await sleep(QUIET_MS);

    expect(presenceOf(peerSocket, hidden.user.id)).toEqual([]);
    expect(presenceOf(lateSocket, hidden.user.id)).toEqual([]);
  });

  it('"nobody": nothing when the user disconnects either', async () => {
    const [hidden, peer] = await users(2);
    await createDirect(http, peer, hidden);
    await usePrivacy(hidden, { presence: 'nobody' });
    const peerSocket = await online(peer);
    const hiddenSocket = await online(hidden);

    hiddenSocket.socket.close();
    await sleep(QUIET_MS * 2);

    expect(presenceOf(peerSocket, hidden.user.id)).toEqual([]);
  });

  it('"contacts": only contacts see the user, live and in the snapshot', async () => {
    const [user, contact, groupPeer] = await users(3);
    await makeContact(user, contact);
    await createGroup(http, groupPeer, [user]);
    await usePrivacy(user, { presence: 'contacts' });
    const contactSocket = await online(contact);
    const groupPeerSocket = await online(groupPeer);

    await online(user);
    await contactSocket.log.waitFor('presence', (event) => event.userId === user.user.id);
    const contactLate = await online(contact);
    const groupPeerLate = await online(groupPeer);
    await sleep(QUIET_MS);

    expect(presenceOf(groupPeerSocket, user.user.id)).toEqual([]);
    expect(presenceOf(groupPeerLate, user.user.id)).toEqual([]);
    expect(presenceOf(contactLate, user.user.id)).toEqual([
      { userId: user.user.id, status: 'online', lastSeenAt: expect.any(String) },
    ]);
  });

  it('"contacts": writing to someone for the first time shows them the user at once', async () => {
    const [user, peer] = await users(2);
    await usePrivacy(user, { presence: 'contacts' });
    const conversation = await createDirect(http, peer, user);
    const peerSocket = await online(peer);
    const userSocket = await online(user);
    await sleep(QUIET_MS);
    expect(presenceOf(peerSocket, user.user.id)).toEqual([]);

    await sendMessage(userSocket.socket, conversation.id, 'hello, new contact');

    const shownOnline = await peerSocket.log.waitFor(
      'presence',
      (event) => event.userId === user.user.id,
    );
    expect(shownOnline.status).toBe('online');
  });

  it('a change while online takes effect at once: offline on hiding, online on showing', async () => {
    const [user, peer] = await users(2);
    await createDirect(http, peer, user);
    const peerSocket = await online(peer);
    await online(user);
    await peerSocket.log.waitFor('presence', (event) => event.userId === user.user.id);

    await usePrivacy(user, { presence: 'nobody' });
    const hidden = await peerSocket.log.waitFor(
      'presence',
      (event) => event.userId === user.user.id && event.status === 'offline',
    );
    await usePrivacy(user, { presence: 'everyone' });
    await peerSocket.log.waitFor(
      'presence',
      (event) =>
        event.userId === user.user.id &&
        event.status === 'online' &&
        presenceOf(peerSocket, user.user.id).length === 3,
    );

    expect(Date.parse(hidden.lastSeenAt)).not.toBeNaN();
    expect(presenceOf(peerSocket, user.user.id).map((event) => event.status)).toEqual([
      'online',
      'offline',
      'online',
    ]);
  });

  it('a hidden user going offline after the change tells nobody; showing again does', async () => {
    const [user, peer] = await users(2);
    await createDirect(http, peer, user);
    await usePrivacy(user, { presence: 'nobody' });
    const peerSocket = await online(peer);
    const userSocket = await online(user);

    // The open socket learns the new setting: its disconnect is announced.
    await usePrivacy(user, { presence: 'everyone' });
    await expectLastCloseAnnounced(peerSocket, userSocket, user.user.id);
  });

  it('no introduction when a hidden user is added to a conversation', async () => {
    const [owner, hidden, control] = await users(3);
    await usePrivacy(hidden, { presence: 'nobody' });
    const ownerSocket = await online(owner);
    await online(hidden);
    await online(control);

    await createGroup(http, owner, [hidden, control]);
    await ownerSocket.log.waitFor('presence', (event) => event.userId === control.user.id);
    await sleep(QUIET_MS);

    expect(presenceOf(ownerSocket, hidden.user.id)).toEqual([]);
  });

  it('"contacts": a newcomer to a group is introduced to the user only if a contact', async () => {
    const [user, contact, stranger, owner, control] = await users(5);
    await makeContact(user, contact);
    await usePrivacy(user, { presence: 'contacts' });
    const group = await createGroup(http, owner, [user, control]);
    await online(user);
    await online(control);
    const strangerSocket = await online(stranger);
    const contactSocket = await online(contact);
    await contactSocket.log.waitFor('presence', (event) => event.userId === user.user.id);
    const seenByContact = presenceOf(contactSocket, user.user.id).length;

    for (const newcomer of [stranger, contact]) {
      const added = await http.post(
        `/conversations/${group.id}/members`,
        { userId: newcomer.user.id },
        owner.accessToken,
      );
      expect(added.status).toBe(201);
    }
    await strangerSocket.log.waitFor('presence', (event) => event.userId === control.user.id);
    await contactSocket.log.waitFor('presence', (event) => event.userId === control.user.id);
    await contactSocket.log.waitFor(
      'presence',
      () => presenceOf(contactSocket, user.user.id).length > seenByContact,
    );
    await sleep(QUIET_MS);

    expect(presenceOf(strangerSocket, user.user.id)).toEqual([]);
  });
});

describe('directMessages: "requests"', () => {
  async function openRequest() {
    const [opener, receiver] = await users(2);
    await usePrivacy(receiver, { directMessages: 'requests' });
    const conversation = await createDirect(http, opener, receiver);
    return { opener, receiver, conversation };
  }

  it('a direct conversation from a non-contact is a request for the receiver only', async () => {
    const { opener, receiver, conversation } = await openRequest();

    const receiverView = await http.get<Conversation>(
      `/conversations/${conversation.id}`,
      receiver.accessToken,
    );

    expect(conversation.request).toBe(false);
    expect(receiverView.body.request).toBe(true);
    expect(await listedIds(receiver)).toEqual([]);
    expect(await listedIds(receiver, '?requests=true')).toEqual([conversation.id]);
    expect(await listedIds(opener)).toEqual([conversation.id]);
    expect(await listedIds(opener, '?requests=true')).toEqual([]);
  });

  it('the receiver hears of a new request as a request, live', async () => {
    const [opener, receiver] = await users(2);
    await usePrivacy(receiver, { directMessages: 'requests' });
    const receiverSocket = await online(receiver);

    const conversation = await createDirect(http, opener, receiver);

    const update = await receiverSocket.log.waitFor(
      'conversation:updated',
      (event) => event.id === conversation.id,
    );
    expect((update as Conversation).request).toBe(true);
  });

  it('while a request, the opener gets no presence, typing or receipts of the receiver', async () => {
    const { opener, receiver, conversation } = await openRequest();
    const openerSocket = await online(opener);
    const receiverSocket = await online(receiver);
    const openerLate = await online(opener);
    await sendMessage(openerSocket.socket, conversation.id, 'hi, do you know me?');
    await receiverSocket.log.waitFor('message:new');

    const typing = await request(receiverSocket.socket, 'typing', {
      conversationId: conversation.id,
      isTyping: true,
    });
    const delivered = await request(receiverSocket.socket, 'message:delivered', {
      conversationId: conversation.id,
      seq: 1,
    });
    const read = await request(receiverSocket.socket, 'message:read', {
      conversationId: conversation.id,
      seq: 1,
    });
    await sleep(QUIET_MS);
    const openerView = await http.get<Conversation>(
      `/conversations/${conversation.id}`,
      opener.accessToken,
    );

    expect([typing.ok, delivered.ok, read.ok]).toEqual([true, true, true]);
    for (const client of [openerSocket, openerLate]) {
      expect(presenceOf(client, receiver.user.id)).toEqual([]);
      expect(client.log.of('typing')).toEqual([]);
      expect(client.log.of('receipt:update')).toEqual([]);
    }
    const receiverAsMember = openerView.body.members.find(
      (member) => member.userId === receiver.user.id,
    );
    expect(receiverAsMember).toMatchObject({ lastReadSeq: 0, lastDeliveredSeq: 0 });
  });

  it('accepting makes it a conversation: listed, receipts and presence flow', async () => {
    const { opener, receiver, conversation } = await openRequest();
    const openerSocket = await online(opener);
    const receiverSocket = await online(receiver);
    await sendMessage(openerSocket.socket, conversation.id, 'hello');
    await request(receiverSocket.socket, 'message:read', {
      conversationId: conversation.id,
      seq: 1,
    });

    const accepted = await accept(conversation.id, receiver);

    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: conversation.id, request: false });
    expect(await listedIds(receiver)).toEqual([conversation.id]);
    expect(await listedIds(receiver, '?requests=true')).toEqual([]);
    const receipt = await openerSocket.log.waitFor('receipt:update');
    expect(receipt).toMatchObject({ userId: receiver.user.id, readSeq: 1 });
    await openerSocket.log.waitFor('presence', (event) => event.userId === receiver.user.id);
    await request(receiverSocket.socket, 'typing', {
      conversationId: conversation.id,
      isTyping: true,
    });
    await openerSocket.log.waitFor('typing', (event) => event.userId === receiver.user.id);
    // Accepting again changes nothing.
    expect((await accept(conversation.id, receiver)).status).toBe(200);
  });

  it('sending in a request accepts it', async () => {
    const { opener, receiver, conversation } = await openRequest();
    const openerSocket = await online(opener);
    const receiverSocket = await online(receiver);

    await sendMessage(receiverSocket.socket, conversation.id, 'hi back');

    expect(await listedIds(receiver)).toEqual([conversation.id]);
    await openerSocket.log.waitFor('presence', (event) => event.userId === receiver.user.id);
    const view = await http.get<Conversation>(
      `/conversations/${conversation.id}`,
      receiver.accessToken,
    );
    expect(view.body.request).toBe(false);
  });

  it('declining hides it from the receiver for good; the opener is not told', async () => {
    const { opener, receiver, conversation } = await openRequest();
    const openerSocket = await online(opener);
    const receiverSocket = await online(receiver);

    const declined = await decline(conversation.id, receiver);
    await sendMessage(openerSocket.socket, conversation.id, 'are you there?');
    const again = await createDirect(http, opener, receiver);
    await sleep(QUIET_MS);
    const sync = await request(receiverSocket.socket, 'sync', {
      cursors: [{ conversationId: conversation.id, seq: 0 }],
    });
    const send = await request(receiverSocket.socket, 'message:send', {
      conversationId: conversation.id,
      content: 'oops',
      clientMsgId: randomUUID(),
    });

    expect(declined.status).toBe(204);
    expect(await listedIds(receiver)).toEqual([]);
    expect(await listedIds(receiver, '?requests=true')).toEqual([]);
    expect((await http.get(`/conversations/${conversation.id}`, receiver.accessToken)).status).toBe(
      404,
    );
    expect(receiverSocket.log.of('message:new')).toEqual([]);
    expect(sync).toMatchObject({ ok: true, removed: [conversation.id] });
    expect(send).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await decline(conversation.id, receiver)).status).toBe(404);
    // The opener still sees an ordinary conversation, and was never told.
    expect(again.id).toBe(conversation.id);
    expect(openerSocket.log.of('conversation:removed')).toEqual([]);
    expect(await listedIds(opener)).toEqual([conversation.id]);
  });

  it('declining a conversation that is no request answers 409; unknown ids 404', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(http, alice, bob);

    expect((await decline(conversation.id, bob)).status).toBe(409);
    expect((await decline(randomUUID(), bob)).status).toBe(404);
    expect((await accept(randomUUID(), bob)).status).toBe(404);
    expect((await accept('not-an-id', bob)).status).toBe(404);
  });

  it('no request from a contact: the receiver has written to them before', async () => {
    const [receiver, friend] = await users(2);
    await makeContact(receiver, friend);
    await usePrivacy(receiver, { directMessages: 'requests' });

    expect(await listedIds(receiver)).toHaveLength(1);
    expect(await listedIds(receiver, '?requests=true')).toEqual([]);
  });

  it('answers 400 for a bad requests filter', async () => {
    const [alice] = await users(1);
    expect((await listConversations(alice, '?requests=yes')).status).toBe(400);
  });
});

describe.skipIf(!inject('databaseUrl'))('presence settings across nodes', () => {
  const nodes: ApiNode[] = [];
  let redis: PrivateRedis | undefined;

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop('SIGKILL')));
    await redis?.kill();
  });

  it('reaches the sockets of every node: the last one closing is announced', async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    for (let index = 0; index < 2; index++) {
      nodes.push(
        await ApiNode.start({ DATABASE_URL: inject('databaseUrl'), REDIS_URL: redis.url }),
      );
    }
    const [node1, node2] = nodes as [ApiNode, ApiNode];
    const http1 = httpClient(node1.baseUrl);
    const [user, peer] = await Promise.all([registerUser(http1), registerUser(http1)]);
    await createDirect(http1, peer, user);
    const hide = await http1.request('PATCH', '/users/me/privacy', {
      body: { presence: 'nobody' },
      token: user.accessToken,
    });
    expect(hide.status).toBe(200);
    const peerSocket = await online(peer, { baseUrl: node1.baseUrl });
    const userSocket = await online(user, { baseUrl: node2.baseUrl });

    // Served by node 1; the user's only socket is on node 2 and must learn the new setting.
    const show = await http1.request('PATCH', '/users/me/privacy', {
      body: { presence: 'everyone' },
      token: user.accessToken,
    });
    expect(show.status).toBe(200);
    await expectLastCloseAnnounced(peerSocket, userSocket, user.user.id);
  });

  it('takes the users of a killed node offline only for those who may see them', async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    for (let index = 0; index < 2; index++) {
      nodes.push(
        await ApiNode.start({
          DATABASE_URL: inject('databaseUrl'),
          REDIS_URL: redis.url,
          PRESENCE_TTL_SEC: '2',
        }),
      );
    }
    const [node1, node2] = nodes as [ApiNode, ApiNode];
    const http1 = httpClient(node1.baseUrl);
    const [user, contact, groupPeer, control] = await Promise.all([
      registerUser(http1),
      registerUser(http1),
      registerUser(http1),
      registerUser(http1),
    ]);
    const direct = await createDirect(http1, contact, user);
    const writer = await online(user, { baseUrl: node1.baseUrl });
    await sendMessage(writer.socket, direct.id, 'hello');
    writer.socket.close();
    await createGroup(http1, groupPeer, [user, contact, control]);
    const hide = await http1.request('PATCH', '/users/me/privacy', {
      body: { presence: 'contacts' },
      token: user.accessToken,
    });
    expect(hide.status).toBe(200);
    const contactSocket = await online(contact, { baseUrl: node1.baseUrl });
    const peerSocket = await online(groupPeer, { baseUrl: node1.baseUrl });
    await online(user, { baseUrl: node2.baseUrl });
    await online(control, { baseUrl: node2.baseUrl });
    await contactSocket.log.waitFor('presence', (event) => event.userId === user.user.id);
    await peerSocket.log.waitFor('presence', (event) => event.userId === control.user.id);

    await node2.stop('SIGKILL');
    const isOffline = (userId: string) => (event: { userId: string; status: string }) =>
      event.userId === userId && event.status === 'offline';
    await peerSocket.log.waitFor('presence', isOffline(control.user.id), 10_000);
    await contactSocket.log.waitFor('presence', isOffline(user.user.id), 10_000);
    await sleep(QUIET_MS);

    expect(presenceOf(peerSocket, user.user.id)).toEqual([]);
  });
});
