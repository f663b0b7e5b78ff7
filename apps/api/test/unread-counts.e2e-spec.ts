import { randomUUID } from 'node:crypto';
import type { Conversation, Message, MessagePage } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { request, type ChatSocket, type Session } from './support/chat-client.js';
import { conversationRoutes } from './support/conversation-api.js';

const unlimited = {
  SEND_RATE_BURST: '100000',
  SEND_RATE_PER_SEC: '100000',
  CHANGE_RATE_BURST: '100000',
  CHANGE_RATE_PER_SEC: '100000',
};
const { http, online, users, createGroup } = useTestApp(unlimited);
const { getConversation, addMember, markRead, listConversations } = conversationRoutes(http);

async function send(socket: ChatSocket, conversationId: string, mentions: string[] = []) {
  const ack = await request(socket, 'message:send', {
    conversationId,
    content: `hello ${randomUUID()}`,
    clientMsgId: randomUUID(),
    mentions,
  });
  if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
  return ack.message as Message;
}

async function remove(socket: ChatSocket, conversationId: string, seq: number) {
  const ack = await request(socket, 'message:delete', { conversationId, seq });
  if (!ack.ok) throw new Error(`delete failed: ${JSON.stringify(ack.error)}`);
  return ack.message as Message;
}

const counts = (conversation: Conversation) => ({
  lastReadSeq: conversation.lastReadSeq,
  unreadCount: conversation.unreadCount,
  mentionCount: conversation.mentionCount,
});

/** Every message of the conversation as it is now, from history. */
async function allMessages(conversationId: string, session: Session): Promise<Message[]> {
  const page = await http.get<MessagePage>(
    `/conversations/${conversationId}/messages?after=0&limit=100`,
    session.accessToken,
  );
  expect(page.body.hasMore).toBe(false);
  return page.body.messages;
}

/** Contract section 6, from the stored messages: what a member's counts must be. */
function expectedCounts(messages: Message[], userId: string, lastReadSeq: number) {
  const unread = messages.filter(
    (message) => message.seq > lastReadSeq && !message.deletedAt && message.senderId !== userId,
  );
  return {
    lastReadSeq,
    unreadCount: unread.length,
    mentionCount: unread.filter((message) => message.mentions.includes(userId)).length,
  };
}

describe('exact unread and mention counts', () => {
  it('leaves deleted messages out of every count and tells those who had not read them', async () => {
    const [alice, bob, carol] = await users(3);
    const group = await createGroup(alice, [bob, carol]);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const carolDevice = await online(carol);
    const both = [bob.user.id, carol.user.id];
    await send(aliceDevice.socket, group.id);
    await send(aliceDevice.socket, group.id, both);
    await send(aliceDevice.socket, group.id, both);
    await send(carolDevice.socket, group.id, [bob.user.id]);
    // Carol's send read everything before it for her.

    expect(counts((await getConversation(group.id, bob)).body)).toEqual({
      lastReadSeq: 0,
      unreadCount: 4,
      mentionCount: 3,
    });
    expect(counts((await getConversation(group.id, carol)).body)).toEqual({
      lastReadSeq: 4,
      unreadCount: 0,
      mentionCount: 0,
    });

    // The owner deletes one of alice's mentions: bob had not read it, carol had; alice sent it.
    await remove(aliceDevice.socket, group.id, 2);
    expect(await bobDevice.log.waitFor('unread:update')).toEqual({
      conversationId: group.id,
      lastReadSeq: 0,
      unreadCount: 3,
      mentionCount: 2,
    });
    // Deleting the tombstone again changes nothing and tells nobody.
    await remove(aliceDevice.socket, group.id, 2);
    const bobList = await listConversations(bob);
    expect(counts(bobList.body.conversations.find((each) => each.id === group.id)!)).toEqual({
      lastReadSeq: 0,
      unreadCount: 3,
      mentionCount: 2,
    });

    // The read answers (REST and socket) and the reader's other devices carry both counts.
    expect((await markRead(group.id, 3, bob)).body).toEqual({
      lastReadSeq: 3,
      unreadCount: 1,
      mentionCount: 1,
    });
    const bobOtherDevice = await online(bob);
    expect(
      await request(bobDevice.socket, 'message:read', { conversationId: group.id, seq: 4 }),
    ).toEqual({ ok: true, unreadCount: 0, mentionCount: 0 });
    expect(await bobOtherDevice.log.waitFor('unread:update')).toEqual({
      conversationId: group.id,
      lastReadSeq: 4,
      unreadCount: 0,
      mentionCount: 0,
    });

    // A message everybody had read: its delete changes no count and sends no unread:update.
    await remove(aliceDevice.socket, group.id, 1);
    // A sync round trip: every event sent before its answer is in the logs.
    for (const device of [aliceDevice, bobDevice, carolDevice]) {
      await request(device.socket, 'conversation:join', { conversationId: group.id });
    }
    // The delete's, then the REST read's (which every device of the reader hears).
    expect(bobDevice.log.of('unread:update').map((update) => update.lastReadSeq)).toEqual([0, 3]);
    expect(carolDevice.log.of('unread:update')).toHaveLength(0);
    expect(aliceDevice.log.of('unread:update')).toHaveLength(0);
  });

  it('gives a newcomer their own counts, not the adder’s', async () => {
    const [alice, bob, dave] = await users(3);
    const group = await createGroup(alice, [bob]);
    const aliceDevice = await online(alice);
    await send(aliceDevice.socket, group.id, [bob.user.id]);
    await send(aliceDevice.socket, group.id);
    const daveDevice = await online(dave);

    expect((await addMember(group.id, { userId: dave.user.id }, alice)).status).toBe(201);

    const welcome = await daveDevice.log.waitFor('conversation:updated');
    expect(counts(welcome as Conversation)).toEqual({
      lastReadSeq: 2,
      unreadCount: 0,
      mentionCount: 0,
    });
    await send(aliceDevice.socket, group.id, [dave.user.id]);
    expect(counts((await getConversation(group.id, dave)).body)).toEqual({
      lastReadSeq: 2,
      unreadCount: 1,
      mentionCount: 1,
    });
  });

  it('stays exact under concurrent sends, deletes and reads', async () => {
    const [alice, bob, carol] = await users(3);
    const group = await createGroup(alice, [bob, carol]);
    const aliceDevice = await online(alice);
    const carolDevice = await online(carol);
    const bobDevices = [await online(bob), await online(bob)];
    for (let index = 0; index < 30; index++) {
      await send(aliceDevice.socket, group.id, index % 3 === 0 ? [bob.user.id] : []);
    }

    const reads = Array.from({ length: 12 }, (_, index) =>
      request(bobDevices[index % 2]!.socket, 'message:read', {
        conversationId: group.id,
        seq: 3 * (index + 1),
      }),
    );
    const deletes = [2, 4, 7, 9, 12, 15, 18, 22, 25, 27, 28, 30, 31, 33].map((seq) =>
      // 31 and 33 are carol's, sent meanwhile: the owner may delete them once they exist.
      request(aliceDevice.socket, 'message:delete', { conversationId: group.id, seq }),
    );
    const sends = Array.from({ length: 6 }, (_, index) =>
      send(carolDevice.socket, group.id, index % 2 === 0 ? [bob.user.id] : []),
    );
    const [readAcks, deleteAcks] = await Promise.all([
      Promise.all(reads),
      Promise.all(deletes),
      Promise.all(sends),
    ]);

    for (const ack of readAcks) {
      expect(ack.ok, JSON.stringify(ack)).toBe(true);
      expect(ack.ok && ack.mentionCount).toBeLessThanOrEqual(ack.ok ? ack.unreadCount : 0);
    }
    for (const ack of deleteAcks) {
      // Only a seq not sent yet may be missing; nothing fails otherwise (no deadlock, no 500).
      if (!ack.ok) expect(ack.error.code).toBe('NOT_FOUND');
    }
    const messages = await allMessages(group.id, alice);
    expect(messages.map((message) => message.seq)).toEqual(
      Array.from({ length: 36 }, (_, index) => index + 1),
    );
    for (const session of [alice, bob, carol]) {
      const seen = (await getConversation(group.id, session)).body;
      expect(counts(seen)).toEqual(expectedCounts(messages, session.user.id, seen.lastReadSeq));
    }
    // Bob's read of the end is answered with exact counts once the dust settles.
    const last = await request(bobDevices[0]!.socket, 'message:read', {
      conversationId: group.id,
      seq: 20,
    });
    const bobView = (await getConversation(group.id, bob)).body;
    const { lastReadSeq: _lastReadSeq, ...expected } = expectedCounts(
      messages,
      bob.user.id,
      bobView.lastReadSeq,
    );
    expect(last).toEqual({ ok: true, ...expected });
  });
});
