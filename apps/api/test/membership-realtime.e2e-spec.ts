import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { request, sendMessage } from './support/chat-client.js';
import { conversationRoutes, expectMembers, member } from './support/conversation-api.js';
import { expectContractError } from './support/test-app.js';

const { http, online, users, createDirect, createGroup } = useTestApp();
const { getConversation, addMember, removeMember } = conversationRoutes(http);

describe('real-time membership', () => {
  it('tells each member’s socket about a new direct or group conversation and routes its messages', async () => {
    const [alice, bob, carol] = await users(3);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const carolDevice = await online(carol);

    const direct = await createDirect(alice, bob);
    for (const device of [aliceDevice, bobDevice]) {
      expect(
        await device.log.waitFor(
          'conversation:updated',
          (conversation) => conversation.id === direct.id,
        ),
      ).toEqual(direct);
    }

    const group = await createGroup(alice, [bob, carol], 'Fresh');
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
    const group = await createGroup(owner, [bob]);
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
    const group = await createGroup(owner, [bob, carol]);
    const control = await createDirect(owner, carol);
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
    const group = await createGroup(owner, [bob]);
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
