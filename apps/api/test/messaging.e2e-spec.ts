import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { request, sendMessage } from './support/chat-client.js';

const { http, online, registerUser, createDirect, createGroup } = useTestApp();

describe('message:send', () => {
  it('acks the committed message and delivers it to every member, on every device', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice.accessToken);
    const bobPhone = await online(bob.accessToken);
    const bobLaptop = await online(bob.accessToken);
    const clientMsgId = randomUUID();

    const ack = await request(aliceDevice.socket, 'message:send', {
      conversationId: conversation.id,
      content: '  hello\r\nbob  ',
      clientMsgId,
    });

    expect(ack).toEqual({
      ok: true,
      message: {
        id: expect.any(String),
        conversationId: conversation.id,
        seq: 1,
        senderId: alice.user.id,
        clientMsgId,
        content: 'hello\nbob',
        type: 'text',
        createdAt: expect.any(String),
        rev: 1,
        editedAt: null,
        deletedAt: null,
        replyToSeq: null,
        mentions: [],
        reactions: [],
        attachments: [],
      },
    });
    const message = (ack as { message: unknown }).message;
    expect(await bobPhone.log.waitFor('message:new')).toEqual(message);
    expect(await bobLaptop.log.waitFor('message:new')).toEqual(message);
  });
});

describe('message:send ordering and idempotency', () => {
  it('gives 50 unawaited sends of one socket seqs in send order, without a gap', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const conversation = await createDirect(alice, bob);
    const sender = await online(alice.accessToken);
    const receiver = await online(bob.accessToken);

    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        request(sender.socket, 'message:send', {
          conversationId: conversation.id,
          content: `message ${index}`,
          clientMsgId: randomUUID(),
        }),
      ),
    );

    expect(acks.map((ack) => (ack.ok ? ack.message.content : ack.error.code))).toEqual(
      Array.from({ length: 50 }, (_, index) => `message ${index}`),
    );
    expect(acks.map((ack) => ack.ok && ack.message.seq)).toEqual(
      Array.from({ length: 50 }, (_, index) => index + 1),
    );
    await receiver.log.waitFor('message:new', (message) => message.seq === 50);
    expect(receiver.log.of('message:new').map((message) => message.seq)).toEqual(
      Array.from({ length: 50 }, (_, index) => index + 1),
    );
  });

  it('stores one message and broadcasts once for the same clientMsgId sent concurrently', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const conversation = await createDirect(alice, bob);
    // Two devices of one sender race in the database; one device retrying goes through its queue.
    const phone = await online(alice.accessToken);
    const laptop = await online(alice.accessToken);
    const receiver = await online(bob.accessToken);
    const payload = { conversationId: conversation.id, content: 'once', clientMsgId: randomUUID() };

    const acks = await Promise.all([
      request(phone.socket, 'message:send', payload),
      request(laptop.socket, 'message:send', payload),
      request(phone.socket, 'message:send', payload),
      request(laptop.socket, 'message:send', payload),
    ]);

    const messages = acks.map((ack) => (ack.ok ? ack.message : ack.error));
    expect(new Set(messages.map((message) => JSON.stringify(message))).size).toBe(1);
    expect(messages[0]).toMatchObject({ seq: 1, content: 'once' });
    await sendMessage(phone.socket, conversation.id, 'marker');
    await receiver.log.waitFor('message:new', (message) => message.content === 'marker');
    expect(receiver.log.of('message:new').map((message) => message.seq)).toEqual([1, 2]);
    const history = await http.get(`/conversations/${conversation.id}/messages`, bob.accessToken);
    expect(history.body.messages.map((message: { content: string }) => message.content)).toEqual([
      'once',
      'marker',
    ]);
  });

  it('moves the sender’s own read and delivered watermarks to the new message', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const conversation = await createDirect(alice, bob);
    const bobSocket = await online(bob.accessToken);
    const aliceSocket = await online(alice.accessToken);
    await sendMessage(bobSocket.socket, conversation.id, 'one');
    await sendMessage(bobSocket.socket, conversation.id, 'two');

    const reply = await sendMessage(aliceSocket.socket, conversation.id, 'three');

    const seenByAlice = await http.get(`/conversations/${conversation.id}`, alice.accessToken);
    expect(seenByAlice.body).toMatchObject({
      lastSeq: 3,
      lastReadSeq: 3,
      unreadCount: 0,
      lastMessage: reply,
    });
    const seenByBob = await http.get(`/conversations/${conversation.id}`, bob.accessToken);
    expect(seenByBob.body).toMatchObject({ lastSeq: 3, lastReadSeq: 2, unreadCount: 1 });
  });

  it('answers NOT_FOUND to a non-member, exactly as for an unknown conversation', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const mallory = await registerUser();
    const conversation = await createDirect(alice, bob);
    const intruder = await online(mallory.accessToken);

    const toTheirs = await request(intruder.socket, 'message:send', {
      conversationId: conversation.id,
      content: 'let me in',
      clientMsgId: randomUUID(),
    });
    const toNothing = await request(intruder.socket, 'message:send', {
      conversationId: randomUUID(),
      content: 'let me in',
      clientMsgId: randomUUID(),
    });

    expect(toTheirs).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.any(String) },
    });
    expect(toNothing).toEqual(toTheirs);
    const history = await http.get(`/conversations/${conversation.id}/messages`, alice.accessToken);
    expect(history.body.messages).toEqual([]);
  });
});

describe('receipts and unread counts', () => {
  it('moves watermarks forward only and tells the room and the reader’s other devices', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const conversation = await createDirect(alice, bob);
    const aliceSocket = await online(alice.accessToken);
    const bobPhone = await online(bob.accessToken);
    const bobLaptop = await online(bob.accessToken);
    for (const content of ['a', 'b', 'c', 'd']) {
      await sendMessage(aliceSocket.socket, conversation.id, content);
    }

    const delivered = await request(bobPhone.socket, 'message:delivered', {
      conversationId: conversation.id,
      seq: 4,
    });
    expect(delivered).toEqual({ ok: true });
    expect(
      await aliceSocket.log.waitFor('receipt:update', (update) => update.deliveredSeq === 4),
    ).toEqual({
      conversationId: conversation.id,
      userId: bob.user.id,
      deliveredSeq: 4,
      readSeq: 0,
    });

    const read = await request(bobPhone.socket, 'message:read', {
      conversationId: conversation.id,
      seq: 3,
    });
    expect(read).toEqual({ ok: true, unreadCount: 1, mentionCount: 0 });
    expect(
      await aliceSocket.log.waitFor('receipt:update', (update) => update.readSeq === 3),
    ).toEqual({
      conversationId: conversation.id,
      userId: bob.user.id,
      deliveredSeq: 4,
      readSeq: 3,
    });
    expect(await bobLaptop.log.waitFor('unread:update')).toEqual({
      conversationId: conversation.id,
      unreadCount: 1,
      mentionCount: 0,
      lastReadSeq: 3,
    });

    const backwards = await request(bobLaptop.socket, 'message:read', {
      conversationId: conversation.id,
      seq: 1,
    });
    expect(backwards).toEqual({ ok: true, unreadCount: 1, mentionCount: 0 });
    const beyondTheEnd = await request(bobLaptop.socket, 'message:read', {
      conversationId: conversation.id,
      seq: 99,
    });
    expect(beyondTheEnd).toEqual({ ok: true, unreadCount: 0, mentionCount: 0 });
    const seenByBob = await http.get(`/conversations/${conversation.id}`, bob.accessToken);
    expect(seenByBob.body).toMatchObject({ lastSeq: 4, lastReadSeq: 4, unreadCount: 0 });
    // The reading socket is not told of its own read; its other device is.
    expect(bobPhone.log.of('unread:update').map((update) => update.lastReadSeq)).toEqual([4]);
    expect(bobLaptop.log.of('unread:update').map((update) => update.lastReadSeq)).toEqual([3]);
  });

  it('keeps exact unread counts for each member of a 3-member group', async () => {
    const [alice, bob, carol] = [await registerUser(), await registerUser(), await registerUser()];
    const group = await createGroup(alice, [bob, carol]);
    const aliceSocket = await online(alice.accessToken);
    const bobSocket = await online(bob.accessToken);
    const carolSocket = await online(carol.accessToken);
    for (const content of ['1', '2', '3', '4', '5']) {
      await sendMessage(aliceSocket.socket, group.id, content);
    }
    await sendMessage(bobSocket.socket, group.id, '6');
    await request(carolSocket.socket, 'message:read', { conversationId: group.id, seq: 2 });

    const unread = async (session: { accessToken: string }) =>
      (await http.get(`/conversations/${group.id}`, session.accessToken)).body;
    expect(await unread(alice)).toMatchObject({ lastSeq: 6, lastReadSeq: 5, unreadCount: 1 });
    expect(await unread(bob)).toMatchObject({ lastSeq: 6, lastReadSeq: 6, unreadCount: 0 });
    expect(await unread(carol)).toMatchObject({ lastSeq: 6, lastReadSeq: 2, unreadCount: 4 });
    const listed = await http.get('/conversations', carol.accessToken);
    expect(
      listed.body.conversations.find((item: { id: string }) => item.id === group.id),
    ).toMatchObject({
      unreadCount: 4,
    });
  });

  it('answers NOT_FOUND to receipts from a non-member', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const mallory = await registerUser();
    const conversation = await createDirect(alice, bob);
    const intruder = await online(mallory.accessToken);

    for (const event of ['message:read', 'message:delivered'] as const) {
      const ack = await request(intruder.socket, event, {
        conversationId: conversation.id,
        seq: 1,
      });
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
  });
});

describe('conversation:join', () => {
  it('acks a member and answers NOT_FOUND to anyone else', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const mallory = await registerUser();
    const conversation = await createDirect(alice, bob);
    const member = await online(alice.accessToken);
    const intruder = await online(mallory.accessToken);

    expect(
      await request(member.socket, 'conversation:join', { conversationId: conversation.id }),
    ).toEqual({
      ok: true,
    });
    expect(
      await request(intruder.socket, 'conversation:join', { conversationId: conversation.id }),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });
});

describe('sync', () => {
  it('gives a client that was offline exactly the messages it missed, oldest first', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const conversation = await createDirect(alice, bob);
    const aliceSocket = await online(alice.accessToken);
    const bobSocket = await online(bob.accessToken);
    await sendMessage(aliceSocket.socket, conversation.id, 'seen 1');
    await sendMessage(aliceSocket.socket, conversation.id, 'seen 2');
    await bobSocket.log.waitFor('message:new', (message) => message.seq === 2);
    bobSocket.socket.close();

    const missed = [];
    for (let index = 1; index <= 5; index++) {
      missed.push(await sendMessage(aliceSocket.socket, conversation.id, `missed ${index}`));
    }
    const back = await online(bob.accessToken);
    const ack = await request(back.socket, 'sync', {
      cursors: [{ conversationId: conversation.id, seq: 2 }],
    });

    expect(ack).toEqual({
      ok: true,
      conversations: [
        {
          conversationId: conversation.id,
          messages: missed,
          hasMore: false,
          updated: [],
          hasMoreUpdated: false,
        },
      ],
      removed: [],
    });
  });

  it('pages with hasMore, lists conversations the client did not know, and reports removed ones', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const carol = await registerUser();
    const known = await createDirect(alice, bob);
    const unknown = await createGroup(alice, [bob], 'new to bob');
    const left = await createGroup(alice, [bob], 'bob leaves');
    const aliceSocket = await online(alice.accessToken);
    for (let index = 1; index <= 4; index++)
      await sendMessage(aliceSocket.socket, known.id, `k${index}`);
    for (let index = 1; index <= 3; index++)
      await sendMessage(aliceSocket.socket, unknown.id, `u${index}`);
    const removal = await http.request(
      'DELETE',
      `/conversations/${left.id}/members/${bob.user.id}`,
      {
        token: bob.accessToken,
      },
    );
    expect(removal.status).toBe(204);
    const bobSocket = await online(bob.accessToken);
    const strangerConversation = await createDirect(alice, carol);

    const ack = await request(bobSocket.socket, 'sync', {
      cursors: [
        { conversationId: known.id, seq: 1 },
        { conversationId: left.id, seq: 0 },
        { conversationId: strangerConversation.id, seq: 0 },
      ],
      limit: 2,
    });

    expect(ack.ok).toBe(true);
    const byId = new Map(
      ack.conversations.map((item: { conversationId: string }) => [item.conversationId, item]),
    );
    const contents = (id: string) =>
      (byId.get(id) as { messages: { content: string }[] }).messages.map(
        (message) => message.content,
      );
    expect(contents(known.id)).toEqual(['k2', 'k3']);
    expect(byId.get(known.id)).toMatchObject({ hasMore: true });
    expect(contents(unknown.id)).toEqual(['u2', 'u3']);
    expect(byId.has(left.id)).toBe(false);
    expect(ack.removed.sort()).toEqual([left.id, strangerConversation.id].sort());
  });
});

describe('typing', () => {
  it('reaches the other members but not the typing socket', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const conversation = await createDirect(alice, bob);
    const aliceSocket = await online(alice.accessToken);
    const bobSocket = await online(bob.accessToken);

    const ack = await request(aliceSocket.socket, 'typing', {
      conversationId: conversation.id,
      isTyping: true,
    });

    expect(ack).toEqual({ ok: true });
    expect(await bobSocket.log.waitFor('typing')).toEqual({
      conversationId: conversation.id,
      userId: alice.user.id,
      isTyping: true,
    });
    expect(aliceSocket.log.of('typing')).toEqual([]);
  });
});

describe('presence of people who just started sharing a conversation', () => {
  it('tells both sides that the other is online', async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const aliceSocket = await online(alice.accessToken);
    const bobSocket = await online(bob.accessToken);
    expect(bobSocket.log.of('presence')).toEqual([]);

    await createDirect(alice, bob);

    expect(
      await bobSocket.log.waitFor('presence', (event) => event.userId === alice.user.id),
    ).toMatchObject({ status: 'online' });
    expect(
      await aliceSocket.log.waitFor('presence', (event) => event.userId === bob.user.id),
    ).toMatchObject({ status: 'online' });
  });
});

describe('message:send rate limit', () => {
  const limited = useTestApp({ SEND_RATE_BURST: '3', SEND_RATE_PER_SEC: '1' });

  it('answers RATE_LIMITED with retryAfterMs past the burst, and sends again after waiting it', async () => {
    const [dave, erin] = await Promise.all([limited.registerUser(), limited.registerUser()]);
    const shared = await limited.createDirect(dave, erin);
    const sender = await limited.online(dave);
    const receiver = await limited.online(erin);

    const acks = await Promise.all(
      [1, 2, 3, 4].map((index) =>
        request(sender.socket, 'message:send', {
          conversationId: shared.id,
          content: `quick ${index}`,
          clientMsgId: randomUUID(),
        }),
      ),
    );

    expect(acks.slice(0, 3).map((ack) => ack.ok && ack.message.seq)).toEqual([1, 2, 3]);
    expect(acks[3]).toEqual({
      ok: false,
      error: {
        code: 'RATE_LIMITED',
        message: expect.any(String),
        retryAfterMs: expect.any(Number),
      },
    });
    const retryAfterMs = (acks[3] as { error: { retryAfterMs: number } }).error.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(1_000);

    await sleep(retryAfterMs);
    const retried = await sendMessage(sender.socket, shared.id, 'after waiting');

    // The refused send left no trace: no message, no broadcast, no gap in seq.
    expect(retried.seq).toBe(4);
    await receiver.log.waitFor('message:new', (message) => message.id === retried.id);
    expect(receiver.log.of('message:new').map((message) => message.content)).toEqual([
      'quick 1',
      'quick 2',
      'quick 3',
      'after waiting',
    ]);
    expect(sender.socket.connected).toBe(true);
  });
});
