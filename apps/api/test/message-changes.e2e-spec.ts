import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/protocol';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import {
  request,
  sendMessage,
  type ChatSocket,
  type ConnectedClient,
  type Session,
} from './support/chat-client.js';
import { conversationRoutes } from './support/conversation-api.js';
import { expectContractError } from './support/test-app.js';
import { DatabaseConnection } from '../src/database/database.js';

const unlimited = {
  SEND_RATE_BURST: '100000',
  SEND_RATE_PER_SEC: '100000',
  CHANGE_RATE_BURST: '100000',
  CHANGE_RATE_PER_SEC: '100000',
};
const sut = useTestApp(unlimited);
const { http, online, users, createDirect, createGroup } = sut;
const { addMember, getConversation } = conversationRoutes(http);

async function ok(socket: ChatSocket, event: Parameters<typeof request>[1], payload: unknown) {
  const ack = await request(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} failed: ${JSON.stringify(ack.error)}`);
  return ack.message as Message;
}

async function refused(socket: ChatSocket, event: Parameters<typeof request>[1], payload: unknown) {
  const ack = await request(socket, event, payload);
  expect(ack.ok).toBe(false);
  return ack.error.code as string;
}

const getMessage = (conversationId: string, seq: number | string, session: Session) =>
  http.get<Message>(`/conversations/${conversationId}/messages/${seq}`, session.accessToken);

describe('message:edit', () => {
  it('replaces its sender’s text and mentions, takes the next rev and tells the room once', async () => {
    const [alice, bob, carol] = await users(3);
    const group = await createGroup(alice, [bob, carol]);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const sent = await sendMessage(aliceDevice.socket, group.id, 'helo');
    await sendMessage(bobDevice.socket, group.id, 'hi');

    const edited = await ok(aliceDevice.socket, 'message:edit', {
      conversationId: group.id,
      seq: sent.seq,
      content: '  hello @bob\r\n',
      mentions: [bob.user.id, bob.user.id, alice.user.id],
    });

    expect(edited).toMatchObject({
      id: sent.id,
      seq: 1,
      rev: 3,
      content: 'hello @bob',
      mentions: [bob.user.id],
      editedAt: expect.any(String),
      deletedAt: null,
      createdAt: sent.createdAt,
    });
    await bobDevice.log.waitFor('message:updated');
    await aliceDevice.log.waitFor('message:updated');
    // A change is no message: the seq and the unread count stay.
    const seenByBob = (await getConversation(group.id, bob)).body;
    expect(seenByBob).toMatchObject({ lastSeq: 2, lastRev: 3 });
    expect((await getMessage(group.id, 1, bob)).body).toEqual(edited);
    // Once per socket, whatever else happens after.
    await sendMessage(bobDevice.socket, group.id, 'after');
    await bobDevice.log.waitFor('message:new', (message) => message.content === 'after');
    expect(bobDevice.log.of('message:updated')).toEqual([edited]);
    expect(aliceDevice.log.of('message:updated')).toEqual([edited]);
  });

  it('refuses another member’s message, a tombstone, unknown seqs and non-members', async () => {
    const [alice, bob, eve] = await users(3);
    const group = await createGroup(alice, [bob]);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const eveDevice = await online(eve);
    const bobs = await sendMessage(bobDevice.socket, group.id, 'bob speaking');
    const edit = (seq: number) => ({ conversationId: group.id, seq, content: 'mine now' });

    // Not even the group's owner edits someone else's message.
    expect(await refused(aliceDevice.socket, 'message:edit', edit(bobs.seq))).toBe('FORBIDDEN');
    expect(await refused(aliceDevice.socket, 'message:edit', edit(99))).toBe('NOT_FOUND');
    expect(await refused(eveDevice.socket, 'message:edit', edit(bobs.seq))).toBe('NOT_FOUND');
    expect(
      await refused(eveDevice.socket, 'message:edit', { ...edit(1), conversationId: randomUUID() }),
    ).toBe('NOT_FOUND');

    await ok(bobDevice.socket, 'message:delete', { conversationId: group.id, seq: bobs.seq });
    expect(await refused(bobDevice.socket, 'message:edit', edit(bobs.seq))).toBe('VALIDATION');
  });

  it('answers an edit to the same text and mentions with the message as it is, and no rev', async () => {
    const [alice, bob] = await users(2);
    const group = await createGroup(alice, [bob]);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const sent = await ok(aliceDevice.socket, 'message:send', {
      conversationId: group.id,
      content: 'same',
      clientMsgId: randomUUID(),
      mentions: [bob.user.id],
    });

    const again = await ok(aliceDevice.socket, 'message:edit', {
      conversationId: group.id,
      seq: sent.seq,
      content: ' same ',
      mentions: [bob.user.id],
    });
    expect(again).toEqual(sent);
    // Without mentions the edit drops them: a change.
    const dropped = await ok(aliceDevice.socket, 'message:edit', {
      conversationId: group.id,
      seq: sent.seq,
      content: 'same',
    });
    expect(dropped).toMatchObject({ rev: sent.rev + 1, mentions: [] });
    await bobDevice.log.waitFor('message:updated');
    expect(bobDevice.log.of('message:updated')).toEqual([dropped]);
  });

  it('checks the new text and mentions with the send rules', async () => {
    const [alice, bob, eve] = await users(3);
    const group = await createGroup(alice, [bob]);
    const aliceDevice = await online(alice);
    const sent = await sendMessage(aliceDevice.socket, group.id, 'text');
    const edit = (fields: object) => ({ conversationId: group.id, seq: sent.seq, ...fields });

    for (const bad of [
      edit({ content: '   ' }),
      edit({ content: 'x'.repeat(4001) }),
      edit({ content: 'ok', mentions: [eve.user.id] }),
      edit({ content: 'ok', mentions: ['not-a-uuid'] }),
      edit({ content: 'ok', mentions: 'nobody' }),
      edit({ seq: 0, content: 'ok' }),
      edit({ seq: 'one', content: 'ok' }),
      { conversationId: group.id, seq: sent.seq },
      null,
    ]) {
      expect(await refused(aliceDevice.socket, 'message:edit', bad)).toBe('VALIDATION');
    }
  });
});

describe('message:delete', () => {
  it('leaves a tombstone in place that a second delete answers unchanged', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const sent = await ok(aliceDevice.socket, 'message:send', {
      conversationId: conversation.id,
      content: 'oops',
      clientMsgId: randomUUID(),
      mentions: [bob.user.id],
    });
    await ok(bobDevice.socket, 'message:react', {
      conversationId: conversation.id,
      seq: sent.seq,
      emoji: '😮',
      on: true,
    });

    const tombstone = await ok(aliceDevice.socket, 'message:delete', {
      conversationId: conversation.id,
      seq: sent.seq,
    });
    expect(tombstone).toMatchObject({
      id: sent.id,
      seq: sent.seq,
      rev: sent.rev + 2,
      content: '',
      deletedAt: expect.any(String),
      mentions: [],
      reactions: [],
      attachments: [],
    });
    const twice = await ok(aliceDevice.socket, 'message:delete', {
      conversationId: conversation.id,
      seq: sent.seq,
    });
    expect(twice).toEqual(tombstone);
    await bobDevice.log.waitFor('message:updated', (message) => message.deletedAt !== null);
    expect(bobDevice.log.of('message:updated')).toHaveLength(2);

    // The preview shows the tombstone, never the old text; history and GET by seq too.
    const seen = (await getConversation(conversation.id, bob)).body;
    expect(seen.lastMessage).toEqual(tombstone);
    expect(JSON.stringify(seen)).not.toContain('oops');
    const page = await http.get(`/conversations/${conversation.id}/messages`, bob.accessToken);
    expect(page.body.messages).toEqual([tombstone]);
    expect((await getMessage(conversation.id, sent.seq, bob)).body).toEqual(tombstone);
    expect(
      await refused(bobDevice.socket, 'message:react', {
        conversationId: conversation.id,
        seq: sent.seq,
        emoji: '👍',
        on: true,
      }),
    ).toBe('VALIDATION');
  });

  it('lets the sender and a group’s owner or admin delete, and no one else', async () => {
    const [owner, admin, member, other] = await users(4);
    const group = await createGroup(owner, [member, other]);
    await addMember(group.id, { userId: admin.user.id, role: 'admin' }, owner);
    const ownerDevice = await online(owner);
    const adminDevice = await online(admin);
    const memberDevice = await online(member);
    const otherDevice = await online(other);
    const byOther = [1, 2, 3].map(() => sendMessage(otherDevice.socket, group.id, 'x'));
    const [first, second, third] = await Promise.all(byOther);
    const ownOfOwner = await sendMessage(ownerDevice.socket, group.id, 'owner');
    const remove = (message: Message) => ({ conversationId: group.id, seq: message.seq });

    expect(await refused(memberDevice.socket, 'message:delete', remove(first!))).toBe('FORBIDDEN');
    expect(await refused(memberDevice.socket, 'message:delete', remove(ownOfOwner))).toBe(
      'FORBIDDEN',
    );
    expect((await ok(otherDevice.socket, 'message:delete', remove(first!))).deletedAt).not.toBe(
      null,
    );
    expect((await ok(ownerDevice.socket, 'message:delete', remove(second!))).deletedAt).not.toBe(
      null,
    );
    expect((await ok(adminDevice.socket, 'message:delete', remove(third!))).deletedAt).not.toBe(
      null,
    );
    expect((await ok(adminDevice.socket, 'message:delete', remove(ownOfOwner))).content).toBe('');
  });

  it('lets nobody but the sender delete in a direct conversation', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const sent = await sendMessage(aliceDevice.socket, conversation.id, 'mine');
    const payload = { conversationId: conversation.id, seq: sent.seq };

    expect(await refused(bobDevice.socket, 'message:delete', payload)).toBe('FORBIDDEN');
    expect(await refused(bobDevice.socket, 'message:delete', { ...payload, seq: 7 })).toBe(
      'NOT_FOUND',
    );
    expect(await refused(bobDevice.socket, 'message:delete', { seq: 1 })).toBe('VALIDATION');
  });
});

describe('message:react', () => {
  it('keeps emojis in the order first used and reactors in the order they reacted', async () => {
    const [alice, bob, carol] = await users(3);
    const group = await createGroup(alice, [bob, carol]);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const carolDevice = await online(carol);
    const sent = await sendMessage(aliceDevice.socket, group.id, 'react to me');
    const react = (device: { socket: ChatSocket }, emoji: string, on = true) =>
      ok(device.socket, 'message:react', { conversationId: group.id, seq: sent.seq, emoji, on });

    await react(bobDevice, '👍');
    await react(carolDevice, '🎉');
    await react(aliceDevice, '👍');
    const latest = await react(carolDevice, '👍');
    expect(latest.reactions).toEqual([
      { emoji: '👍', userIds: [bob.user.id, alice.user.id, carol.user.id] },
      { emoji: '🎉', userIds: [carol.user.id] },
    ]);
    expect(latest.rev).toBe(sent.rev + 4);

    // On twice, off when not on: the message as it is, no rev, no event.
    expect(await react(bobDevice, '👍')).toEqual(latest);
    expect(await react(bobDevice, '🎉', false)).toEqual(latest);

    // Taken back by its last reactor, an emoji disappears; back again, it goes last.
    await react(carolDevice, '🎉', false);
    await react(bobDevice, '👍', false);
    const back = await react(bobDevice, '🎉');
    expect(back.reactions).toEqual([
      { emoji: '👍', userIds: [alice.user.id, carol.user.id] },
      { emoji: '🎉', userIds: [bob.user.id] },
    ]);
    await react(aliceDevice, '👍', false);
    await react(carolDevice, '👍', false);
    const thumbsBack = await react(aliceDevice, '👍');
    expect(thumbsBack.reactions).toEqual([
      { emoji: '🎉', userIds: [bob.user.id] },
      { emoji: '👍', userIds: [alice.user.id] },
    ]);
    expect(thumbsBack.rev).toBe(sent.rev + 10);

    // Every reader sees the same order: GET by seq, history, sync, the conversation preview.
    expect((await getMessage(group.id, sent.seq, carol)).body).toEqual(thumbsBack);
    const page = await http.get(`/conversations/${group.id}/messages`, carol.accessToken);
    expect(page.body.messages).toEqual([thumbsBack]);
    expect((await getConversation(group.id, carol)).body.lastMessage).toEqual(thumbsBack);
    const synced = await request(carolDevice.socket, 'sync', { cursors: [] });
    expect(synced.conversations[0].messages).toEqual([thumbsBack]);

    await carolDevice.log.waitFor('message:updated', (message) => message.rev === thumbsBack.rev);
    const updates = carolDevice.log.of('message:updated');
    expect(updates.map((message) => message.rev)).toEqual(
      Array.from({ length: 10 }, (_, index) => sent.rev + 1 + index),
    );
  });

  it('takes at most 20 different emojis, and more reactors on those', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const sent = await sendMessage(aliceDevice.socket, conversation.id, 'so many');
    const emojis = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂'];
    expect(emojis).toHaveLength(20);
    const react = (socket: ChatSocket, emoji: string) => ({
      socket,
      payload: { conversationId: conversation.id, seq: sent.seq, emoji, on: true },
    });
    for (const emoji of emojis) {
      const { socket, payload } = react(aliceDevice.socket, emoji);
      await ok(socket, 'message:react', payload);
    }

    const one = react(bobDevice.socket, '🤗');
    expect(await refused(one.socket, 'message:react', one.payload)).toBe('VALIDATION');
    const existing = react(bobDevice.socket, '😀');
    const message = await ok(existing.socket, 'message:react', existing.payload);
    expect(message.reactions).toHaveLength(20);
    expect(message.reactions[0]).toEqual({ emoji: '😀', userIds: [alice.user.id, bob.user.id] });
  });

  it('answers bad emojis and payloads with VALIDATION, never INTERNAL', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const sent = await sendMessage(aliceDevice.socket, conversation.id, 'hi');
    const react = (fields: object) => ({
      conversationId: conversation.id,
      seq: sent.seq,
      emoji: '👍',
      on: true,
      ...fields,
    });

    for (const bad of [
      react({ emoji: '' }),
      react({ emoji: 'ok' }),
      react({ emoji: '👍'.repeat(17) }),
      react({ emoji: '\ud83d' }),
      react({ emoji: 5 }),
      react({ on: 'yes' }),
      react({ on: undefined }),
      react({ seq: -1 }),
      react({ conversationId: 'x' }),
      'not an object',
    ]) {
      expect(await refused(aliceDevice.socket, 'message:react', bad)).toBe('VALIDATION');
    }
  });
});

describe('concurrent changes to one message', () => {
  it('lands every reaction once, in rev order, each answer the whole state at its rev', async () => {
    const members = await users(8);
    const [owner, ...others] = members;
    const group = await createGroup(owner, others);
    const devices: ConnectedClient[] = [];
    for (const member of members) devices.push(await online(member));
    const watcher = await online(owner);
    const sent = await sendMessage(watcher.socket, group.id, 'popular');
    const emojis = ['👍', '🎉', '❤️'];

    // Eight sockets at once, each its three emojis in a row.
    const answers = (
      await Promise.all(
        devices.map(async ({ socket }) => {
          const mine: Message[] = [];
          for (const emoji of emojis) {
            mine.push(
              await ok(socket, 'message:react', {
                conversationId: group.id,
                seq: sent.seq,
                emoji,
                on: true,
              }),
            );
          }
          return mine;
        }),
      )
    ).flat();

    const final = (await getMessage(group.id, sent.seq, owner)).body;
    expect(final.rev).toBe(sent.rev + 24);
    expect(final.reactions.map((reaction) => reaction.emoji).sort()).toEqual([...emojis].sort());
    const memberIds = members.map((member) => member.user.id).sort();
    for (const reaction of final.reactions) expect([...reaction.userIds].sort()).toEqual(memberIds);
    expect(new Set(answers.map((answer) => answer.rev)).size).toBe(24);
    // Each change adds one reactor: an answer that missed a concurrent one would show fewer.
    for (const answer of answers) {
      const reactors = answer.reactions.flatMap((reaction) => reaction.userIds);
      expect(reactors).toHaveLength(answer.rev - sent.rev);
    }
    await watcher.log.waitFor('message:updated', (message) => message.rev === final.rev);
    const events = watcher.log.of('message:updated');
    expect(events).toHaveLength(24);
    expect(events.find((message) => message.rev === final.rev)).toEqual(final);
  });

  it('turns a message into one tombstone when its sender and an admin delete it at once', async () => {
    const [owner, member] = await users(2);
    const group = await createGroup(owner, [member]);
    const ownerDevice = await online(owner);
    const memberDevice = await online(member);
    const sent = await sendMessage(memberDevice.socket, group.id, 'contested');
    const target = { conversationId: group.id, seq: sent.seq };

    const [byOwner, byMember] = await Promise.all([
      ok(ownerDevice.socket, 'message:delete', target),
      ok(memberDevice.socket, 'message:delete', target),
    ]);
    expect(byOwner).toEqual(byMember);
    expect(byOwner).toMatchObject({ rev: sent.rev + 1, content: '' });
    await ownerDevice.log.waitFor('message:updated');
    await sendMessage(ownerDevice.socket, group.id, 'later');
    await ownerDevice.log.waitFor('message:new', (message) => message.content === 'later');
    expect(ownerDevice.log.of('message:updated')).toEqual([byOwner]);
  });
});

describe('message_mentions rows (what mention counts read)', () => {
  const mentionRows = async (conversationId: string) =>
    (
      await sut.app
        .get(DatabaseConnection)
        .query<{ user_id: string; seq: number }>(
          sql`select user_id, seq from message_mentions where conversation_id = ${conversationId}`,
        )
    )
      .map((row) => `${row.user_id}@${Number(row.seq)}`)
      .sort();

  it('follows sends, edits and deletes', async () => {
    const [alice, bob, carol] = await users(3);
    const group = await createGroup(alice, [bob, carol]);
    const aliceDevice = await online(alice);
    const sent = await ok(aliceDevice.socket, 'message:send', {
      conversationId: group.id,
      content: 'hi both',
      clientMsgId: randomUUID(),
      mentions: [bob.user.id, carol.user.id],
    });
    await sendMessage(aliceDevice.socket, group.id, 'nobody');
    const row = (session: Session, seq: number) => `${session.user.id}@${seq}`;
    expect(await mentionRows(group.id)).toEqual([row(bob, 1), row(carol, 1)].sort());

    const target = { conversationId: group.id, seq: sent.seq };
    await ok(aliceDevice.socket, 'message:edit', {
      ...target,
      content: 'hi',
      mentions: [carol.user.id],
    });
    expect(await mentionRows(group.id)).toEqual([row(carol, 1)]);
    await ok(aliceDevice.socket, 'message:edit', {
      ...target,
      content: 'hi again',
      mentions: [bob.user.id, carol.user.id],
    });
    expect(await mentionRows(group.id)).toEqual([row(bob, 1), row(carol, 1)].sort());
    await ok(aliceDevice.socket, 'message:delete', target);
    expect(await mentionRows(group.id)).toEqual([]);
  });
});

describe('message:send v2', () => {
  it('takes a reply to an earlier seq, and refuses one past the last', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const first = await sendMessage(aliceDevice.socket, conversation.id, 'question');
    const send = (replyToSeq: unknown) => ({
      conversationId: conversation.id,
      content: 'answer',
      clientMsgId: randomUUID(),
      replyToSeq,
    });

    const reply = await ok(aliceDevice.socket, 'message:send', send(first.seq));
    expect(reply).toMatchObject({ seq: 2, rev: 2, replyToSeq: 1, mentions: [] });
    const toReply = await ok(aliceDevice.socket, 'message:send', send(2));
    expect(toReply.replyToSeq).toBe(2);
    for (const bad of [4, 0, -1, 1.5, '1', null]) {
      expect(await refused(aliceDevice.socket, 'message:send', send(bad))).toBe('VALIDATION');
    }
    // The reply stays when the quoted message is deleted.
    await ok(aliceDevice.socket, 'message:delete', { conversationId: conversation.id, seq: 1 });
    expect((await getMessage(conversation.id, 2, bob)).body.replyToSeq).toBe(1);
  });

  it('stores mentions of members without duplicates or the sender, at most 50', async () => {
    const [alice, bob, carol, eve] = await users(4);
    const group = await createGroup(alice, [bob, carol]);
    const aliceDevice = await online(alice);
    const send = (mentions: unknown) => ({
      conversationId: group.id,
      content: 'hey',
      clientMsgId: randomUUID(),
      mentions,
    });

    const sent = await ok(
      aliceDevice.socket,
      'message:send',
      send([carol.user.id, alice.user.id, bob.user.id, carol.user.id]),
    );
    expect(sent.mentions).toEqual([carol.user.id, bob.user.id]);
    expect((await getMessage(group.id, sent.seq, bob)).body.mentions).toEqual(sent.mentions);
    expect(await refused(aliceDevice.socket, 'message:send', send([eve.user.id]))).toBe(
      'VALIDATION',
    );
    expect(await refused(aliceDevice.socket, 'message:send', send([randomUUID()]))).toBe(
      'VALIDATION',
    );
    const fiftyOne = Array.from({ length: 51 }, () => randomUUID());
    expect(await refused(aliceDevice.socket, 'message:send', send(fiftyOne))).toBe('VALIDATION');
    expect(await refused(aliceDevice.socket, 'message:send', send(['x']))).toBe('VALIDATION');
    // Only the sender, dropped: nobody is mentioned.
    const alone = await ok(aliceDevice.socket, 'message:send', send([alice.user.id]));
    expect(alone.mentions).toEqual([]);
  });

  it('answers a resend with the stored message, its reply and mentions included', async () => {
    const [alice, bob] = await users(2);
    const group = await createGroup(alice, [bob]);
    const aliceDevice = await online(alice);
    await sendMessage(aliceDevice.socket, group.id, 'first');
    const payload = {
      conversationId: group.id,
      content: 'with refs',
      clientMsgId: randomUUID(),
      replyToSeq: 1,
      mentions: [bob.user.id],
    };
    const sent = await ok(aliceDevice.socket, 'message:send', payload);
    const again = await ok(aliceDevice.socket, 'message:send', payload);
    expect(again).toEqual(sent);
  });

  it('still takes a v1 payload, and answers the v2 message shape', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);

    const sent = await ok(aliceDevice.socket, 'message:send', {
      conversationId: conversation.id,
      content: 'v1',
      clientMsgId: randomUUID(),
    });
    expect(sent).toEqual({
      id: expect.any(String),
      conversationId: conversation.id,
      seq: 1,
      senderId: alice.user.id,
      clientMsgId: expect.any(String),
      content: 'v1',
      type: 'text',
      createdAt: expect.any(String),
      rev: 1,
      editedAt: null,
      deletedAt: null,
      replyToSeq: null,
      mentions: [],
      reactions: [],
      attachments: [],
    });
    expect(await bobDevice.log.waitFor('message:new')).toEqual(sent);
  });
});

describe('GET /conversations/:id/messages/:seq', () => {
  it('answers members, and 404 to anyone else or for an unknown seq', async () => {
    const [alice, bob, eve] = await users(3);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const sent = await sendMessage(aliceDevice.socket, conversation.id, 'quoted');

    expect(await getMessage(conversation.id, 1, bob)).toMatchObject({ status: 200, body: sent });
    const outsider = await getMessage(conversation.id, 1, eve);
    expectContractError(outsider, 404);
    expect(outsider.body).toEqual((await getMessage(randomUUID(), 1, eve)).body);
    for (const seq of [2, 0, -1, 'x', '1.5', '99999999999999999999']) {
      expectContractError(await getMessage(conversation.id, seq, bob), 404);
    }
    expectContractError(await getMessage('not-a-uuid', 1, bob), 404);
    expect((await http.get(`/conversations/${conversation.id}/messages/1`)).status).toBe(401);
  });
});

describe('sync v2', () => {
  it('gives a reconnecting client the changes it missed, by rev, apart from new messages', async () => {
    const [alice, bob] = await users(2);
    const group = await createGroup(alice, [bob]);
    const aliceDevice = await online(alice);
    for (const content of ['one', 'two', 'three']) {
      await sendMessage(aliceDevice.socket, group.id, content);
    }
    // Bob's client held seq 3 and rev 3, then went offline.
    const cursor = { conversationId: group.id, seq: 3, rev: 3 };
    await ok(aliceDevice.socket, 'message:edit', {
      conversationId: group.id,
      seq: 2,
      content: 'TWO',
    });
    await ok(aliceDevice.socket, 'message:react', {
      conversationId: group.id,
      seq: 1,
      emoji: '👍',
      on: true,
    });
    await sendMessage(aliceDevice.socket, group.id, 'four');
    await ok(aliceDevice.socket, 'message:delete', { conversationId: group.id, seq: 2 });
    await sendMessage(aliceDevice.socket, group.id, 'five');
    // A change to a message after the cursor's seq comes with the new messages, not as updated,
    // and those stay in seq order though 4 now has a later rev than 5.
    await ok(aliceDevice.socket, 'message:edit', {
      conversationId: group.id,
      seq: 4,
      content: '4',
    });

    const bobDevice = await online(bob);
    const answer = await request(bobDevice.socket, 'sync', { cursors: [cursor] });
    expect(answer.ok).toBe(true);
    const [synced] = answer.conversations;
    expect(synced.messages.map((message: Message) => [message.seq, message.content])).toEqual([
      [4, '4'],
      [5, 'five'],
    ]);
    expect(synced.updated.map((message: Message) => [message.seq, message.rev])).toEqual([
      [1, 5],
      [2, 7],
    ]);
    expect(synced.updated[1]).toMatchObject({ content: '', deletedAt: expect.any(String) });
    expect(synced.updated[0].reactions).toEqual([{ emoji: '👍', userIds: [alice.user.id] }]);
    expect(synced).toMatchObject({ hasMore: false, hasMoreUpdated: false });

    // At most `limit` changes, with hasMoreUpdated; a cursor without rev gets none.
    const limited = await request(bobDevice.socket, 'sync', { cursors: [cursor], limit: 1 });
    expect(limited.conversations[0]).toMatchObject({ hasMoreUpdated: true });
    expect(limited.conversations[0].updated.map((message: Message) => message.seq)).toEqual([1]);
    const withoutRev = await request(bobDevice.socket, 'sync', {
      cursors: [{ conversationId: group.id, seq: 3 }],
    });
    expect(withoutRev.conversations[0]).toMatchObject({ updated: [], hasMoreUpdated: false });
    // Caught up: nothing more.
    const caughtUp = await request(bobDevice.socket, 'sync', {
      cursors: [{ conversationId: group.id, seq: 5, rev: 9 }],
    });
    expect(caughtUp.conversations[0]).toMatchObject({ messages: [], updated: [] });
    expect((await getConversation(group.id, bob)).body.lastRev).toBe(9);
  });

  it('refuses a bad rev with VALIDATION', async () => {
    const [alice] = await users(1);
    const aliceDevice = await online(alice);
    const code = await refused(aliceDevice.socket, 'sync', {
      cursors: [{ conversationId: randomUUID(), seq: 1, rev: -1 }],
    });
    expect(code).toBe('VALIDATION');
  });
});

describe('change rate limit', () => {
  const limited = useTestApp({ CHANGE_RATE_BURST: '3', CHANGE_RATE_PER_SEC: '1' });

  it('is one per-user bucket for edits, deletes and reactions', async () => {
    const [alice, bob] = await limited.users(2);
    const conversation = await limited.createDirect(alice, bob);
    const aliceDevice = await limited.online(alice);
    const bobDevice = await limited.online(bob);
    const sent = await sendMessage(aliceDevice.socket, conversation.id, 'limited');
    const target = { conversationId: conversation.id, seq: sent.seq };

    await ok(aliceDevice.socket, 'message:edit', { ...target, content: 'one' });
    await ok(aliceDevice.socket, 'message:react', { ...target, emoji: '👍', on: true });
    await ok(aliceDevice.socket, 'message:react', { ...target, emoji: '👍', on: false });
    const ack = await request(aliceDevice.socket, 'message:delete', target);
    expect(ack).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) },
    });
    // Another user's bucket is their own.
    await ok(bobDevice.socket, 'message:react', { ...target, emoji: '👍', on: true });
  });
});
