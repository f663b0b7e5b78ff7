import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { sendMessage } from './support/chat-client.js';
import { conversationRoutes } from './support/conversation-api.js';
import { expectContractError } from './support/test-app.js';

const { http, online, users, createDirect, createGroup } = useTestApp();
const { getConversation, rename, markRead, listConversations } = conversationRoutes(http);

const unknownId = () => randomUUID();

describe('POST /conversations/:id/read', () => {
  it('moves the read watermark forward only, clamps it, and emits receipt and unread events', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    for (let index = 1; index <= 6; index++) {
      await sendMessage(aliceDevice.socket, conversation.id, `m${index}`);
    }

    const readFive = await markRead(conversation.id, 5, bob);
    expect(readFive.status).toBe(200);
    expect(readFive.body).toEqual({ lastReadSeq: 5, unreadCount: 1, mentionCount: 0 });

    const readThree = await markRead(conversation.id, 3, bob);
    expect(readThree.status).toBe(200);
    expect(readThree.body).toEqual({ lastReadSeq: 5, unreadCount: 1, mentionCount: 0 });
    expect((await getConversation(conversation.id, bob)).body).toMatchObject({
      lastReadSeq: 5,
      unreadCount: 1,
    });

    const readPastEnd = await markRead(conversation.id, 999, bob);
    expect(readPastEnd.body).toEqual({ lastReadSeq: 6, unreadCount: 0, mentionCount: 0 });
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
      { conversationId: conversation.id, unreadCount: 1, mentionCount: 0, lastReadSeq: 5 },
      { conversationId: conversation.id, unreadCount: 0, mentionCount: 0, lastReadSeq: 6 },
    ]);
  });

  it('answers 400 for a bad seq and 404 for a non-member', async () => {
    const [alice, bob, eve] = await users(3);
    const conversation = await createDirect(alice, bob);

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
    const group = await createGroup(alice, [bob, carol], 'Trio');
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const carolDevice = await online(carol);
    let last: Message | undefined;
    for (let index = 1; index <= 4; index++) {
      last = await sendMessage(aliceDevice.socket, group.id, `m${index}`);
    }

    expect((await markRead(group.id, 2, bob)).body).toEqual({
      lastReadSeq: 2,
      unreadCount: 2,
      mentionCount: 0,
    });
    expect((await markRead(group.id, 4, carol)).body).toEqual({
      lastReadSeq: 4,
      unreadCount: 0,
      mentionCount: 0,
    });

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
      mentionCount: 0,
      lastReadSeq: 2,
    });
    expect(await carolDevice.log.waitFor('unread:update')).toEqual({
      conversationId: group.id,
      unreadCount: 0,
      mentionCount: 0,
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
