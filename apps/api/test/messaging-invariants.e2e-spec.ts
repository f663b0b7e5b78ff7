import { randomUUID } from 'node:crypto';
import type { Ack, ConversationPage, Message, SyncedConversation } from '@parley/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { connect, request, type ConnectedClient, type Session } from './support/chat-client.js';
import { ConversationModel, FoldedMessages, observable } from './support/conversation-model.js';

const sut = useTestApp({
  SEND_RATE_BURST: '100000',
  SEND_RATE_PER_SEC: '100000',
  CHANGE_RATE_BURST: '100000',
  CHANGE_RATE_PER_SEC: '100000',
});
const { http, registerUser, createGroup } = sut;

type Action =
  | { kind: 'send'; user: number }
  | { kind: 'read'; user: number; offset: number }
  | { kind: 'leave'; user: number }
  | { kind: 'rejoin'; user: number };

// User 0 owns the group and stays; users 1-3 may leave and be added back.
const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      user: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      user: fc.integer({ min: 0, max: 3 }),
      offset: fc.integer({ min: -3, max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('leave' as const),
      user: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('rejoin' as const),
      user: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

describe('messaging invariants under random interleavings', () => {
  it('keeps seq gapless, unread = lastSeq - lastReadSeq >= 0, and watermarks monotonic', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(actionArbitrary, { minLength: 5, maxLength: 25 }),
        async (actions) => {
          const users: Session[] = [];
          for (let index = 0; index < 4; index++) users.push(await registerUser());
          const group = await createGroup(users[0]!, users.slice(1));
          const sockets: ConnectedClient[] = [];
          for (const user of users) sockets.push(await connect(sut.baseUrl, user.accessToken));
          const members = new Set([0, 1, 2, 3]);
          const highestReadSeen = [0, 0, 0, 0];
          let lastSeq = 0;
          try {
            for (const action of actions) {
              const socket = sockets[action.user]!.socket;
              const isMember = members.has(action.user);
              if (action.kind === 'send') {
                const ack = await request(socket, 'message:send', {
                  conversationId: group.id,
                  content: `from ${action.user}`,
                  clientMsgId: randomUUID(),
                });
                if (isMember) {
                  lastSeq += 1;
                  expect(ack).toMatchObject({ ok: true, message: { seq: lastSeq } });
                } else {
                  expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
                }
              } else if (action.kind === 'read') {
                const seq = Math.max(0, lastSeq + action.offset);
                const ack = await request(socket, 'message:read', {
                  conversationId: group.id,
                  seq,
                });
                if (isMember) expect(ack.ok && ack.unreadCount).toBeGreaterThanOrEqual(0);
                else expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
              } else if (action.kind === 'leave') {
                const response = await http.request(
                  'DELETE',
                  `/conversations/${group.id}/members/${users[action.user]!.user.id}`,
                  { token: users[action.user]!.accessToken },
                );
                expect(response.status).toBe(isMember ? 204 : 404);
                members.delete(action.user);
              } else {
                const response = await http.post(
                  `/conversations/${group.id}/members`,
                  { userId: users[action.user]!.user.id },
                  users[0]!.accessToken,
                );
                expect(response.status).toBe(isMember ? 409 : 201);
                members.add(action.user);
              }

              for (const member of members) {
                const view = await http.get(
                  `/conversations/${group.id}`,
                  users[member]!.accessToken,
                );
                expect(view.status).toBe(200);
                const { lastSeq: seenLastSeq, lastReadSeq, unreadCount } = view.body;
                expect(seenLastSeq).toBe(lastSeq);
                expect(unreadCount).toBe(seenLastSeq - lastReadSeq);
                expect(unreadCount).toBeGreaterThanOrEqual(0);
                expect(lastReadSeq).toBeGreaterThanOrEqual(highestReadSeen[member]!);
                highestReadSeen[member] = lastReadSeq;
              }
            }
            const history = await http.get(
              `/conversations/${group.id}/messages?after=0&limit=100`,
              users[0]!.accessToken,
            );
            expect(history.body.messages.map((message: { seq: number }) => message.seq)).toEqual(
              Array.from({ length: lastSeq }, (_, index) => index + 1),
            );
          } finally {
            for (const client of sockets) client.socket.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});

type ChangeAction =
  | { kind: 'send'; user: number; mentions: number[] }
  | { kind: 'edit'; user: number; pick: number; mentions: number[] }
  | { kind: 'delete'; user: number; pick: number }
  | { kind: 'react'; user: number; pick: number; emoji: string; on: boolean }
  | { kind: 'read'; user: number; offset: number }
  | { kind: 'offline'; user: number };

const USERS = 4;
const user = fc.integer({ min: 0, max: USERS - 1 });
const mentions = fc.subarray([0, 1, 2, 3]);
// Which message a change aims at: an index taken modulo the messages there are.
const pick = fc.nat(1000);

const changeArbitrary: fc.Arbitrary<ChangeAction> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('send' as const), user, mentions }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('edit' as const), user, pick, mentions }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), user, pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('react' as const),
      user,
      pick,
      emoji: fc.constantFrom('👍', '🎉', '😂'),
      on: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      user,
      offset: fc.integer({ min: -4, max: 1 }),
    }),
  },
  // User 0 stays online: the changes always have an audience.
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('offline' as const),
      user: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

/** Resolves once `condition` holds, polling; fails the test after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * One device of a member: its socket while online, what it folded of every connection so far,
 * and the `unread:update`s it should have had.
 */
interface Device {
  userIndex: number;
  client?: ConnectedClient;
  folded: FoldedMessages;
  expectedUnreadUpdates: number;
}

describe('message changes and exact counts under random interleavings', () => {
  it('gives every member the model’s counts and every client the model’s messages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(changeArbitrary, { minLength: 8, maxLength: 30 }),
        async (actions) => {
          const users: Session[] = [];
          for (let index = 0; index < USERS; index++) users.push(await registerUser());
          const ids = users.map((session) => session.user.id);
          const group = await createGroup(users[0]!, users.slice(1));
          const model = new ConversationModel(ids, [ids[0]!]);
          // One device per user, and user 1 has a second one that only listens.
          const devices: Device[] = [0, 1, 2, 3, 1].map((userIndex) => ({
            userIndex,
            folded: new FoldedMessages(),
            expectedUnreadUpdates: 0,
          }));
          const devicesOf = (userIndex: number) =>
            devices.filter((device) => device.userIndex === userIndex);
          const unreadUpdates = (device: Device) => device.client?.log.of('unread:update') ?? [];

          const fold = (device: Device) => {
            for (const { event, payload } of device.client?.log.entries ?? []) {
              if (event === 'message:new' || event === 'message:updated') {
                device.folded.apply(payload as Message);
              }
            }
          };
          const goOnline = async (device: Device) => {
            device.client = await connect(sut.baseUrl, users[device.userIndex]!.accessToken);
            device.expectedUnreadUpdates = 0;
            const ack = await request(device.client.socket, 'sync', {
              cursors: [device.folded.cursor(group.id)],
              limit: 500,
            });
            expect(ack.ok).toBe(true);
            const [synced] = ack.conversations as SyncedConversation[];
            expect(synced).toMatchObject({ hasMore: false, hasMoreUpdated: false });
            for (const message of [...synced!.messages, ...synced!.updated]) {
              device.folded.apply(message);
            }
          };
          const goOffline = (device: Device) => {
            fold(device);
            device.client!.socket.close();
            device.client = undefined;
          };
          /** Every event sent to a device before this is in its log once the ack is. */
          const settle = async (device: Device) => {
            if (!device.client) return;
            const ack = await request(device.client.socket, 'conversation:join', {
              conversationId: group.id,
            });
            expect(ack.ok).toBe(true);
          };
          const expectAck = (
            ack: Ack<any>,
            outcome: ReturnType<ConversationModel['delete']>,
          ): void => {
            if (outcome.ok) {
              expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true });
              expect(observable(ack.ok && ack.message)).toEqual(observable(outcome.message));
            } else if (ack.ok && outcome.unchanged) {
              expect(observable(ack.message)).toEqual(observable(outcome.unchanged));
            } else {
              expect(ack.ok, JSON.stringify(ack)).toBe(false);
              expect(outcome.codes).toContain(!ack.ok && ack.error.code);
            }
          };
          const mentioned = (indexes: number[]) => indexes.map((index) => ids[index]!);
          /** Each of `userIds` hears their new counts, on every device online. */
          const expectUnreadUpdates = async (userIds: string[], what: string) => {
            for (const userId of userIds) {
              const userIndex = ids.indexOf(userId);
              for (const device of devicesOf(userIndex).filter((each) => each.client)) {
                device.expectedUnreadUpdates += 1;
                await until(
                  () => unreadUpdates(device).length >= device.expectedUnreadUpdates,
                  `unread:update of user ${userIndex} after ${what}`,
                );
                expect(unreadUpdates(device).at(-1)).toEqual({
                  conversationId: group.id,
                  ...model.countsOf(userId),
                });
              }
            }
          };

          for (const device of devices) await goOnline(device);
          try {
            for (const [step, action] of actions.entries()) {
              const actor = devicesOf(action.user)[0]!;
              if (action.kind === 'offline') {
                if (actor.client) goOffline(actor);
                continue;
              }
              if (!actor.client) await goOnline(actor);
              const socket = actor.client!.socket;
              const actorId = ids[action.user]!;
              const seq = 'pick' in action ? (action.pick % Math.max(model.lastSeq, 1)) + 1 : 0;
              if ('pick' in action && model.lastSeq === 0) continue;

              if (action.kind === 'send') {
                const ack = await request(socket, 'message:send', {
                  conversationId: group.id,
                  content: `message ${step}`,
                  clientMsgId: randomUUID(),
                  mentions: mentioned(action.mentions),
                });
                const sent = model.send(actorId, `message ${step}`, mentioned(action.mentions));
                expect(ack.ok && observable(ack.message)).toEqual(observable(sent));
              } else if (action.kind === 'edit') {
                const content = `edited ${step}`;
                const unreadBy = model.unreadBy(seq);
                const before = [...model.messages.find((each) => each.seq === seq)!.mentions];
                const ack = await request(socket, 'message:edit', {
                  conversationId: group.id,
                  seq,
                  content,
                  mentions: mentioned(action.mentions),
                });
                const outcome = model.edit(actorId, seq, content, mentioned(action.mentions));
                expectAck(ack, outcome);
                if (outcome.ok && outcome.changed) {
                  // A member it mentions or no longer mentions who had not read it: a new count.
                  const after = outcome.message.mentions;
                  const moved = unreadBy.filter(
                    (userId) => before.includes(userId) !== after.includes(userId),
                  );
                  await expectUnreadUpdates(moved, `editing ${seq}`);
                }
              } else if (action.kind === 'delete') {
                const unreadBy = model.unreadBy(seq);
                const ack = await request(socket, 'message:delete', {
                  conversationId: group.id,
                  seq,
                });
                const outcome = model.delete(actorId, seq);
                expectAck(ack, outcome);
                if (outcome.ok && outcome.changed) {
                  // Each member who had not read it hears their new counts, on every device.
                  await expectUnreadUpdates(unreadBy, `deleting ${seq}`);
                }
              } else if (action.kind === 'react') {
                const ack = await request(socket, 'message:react', {
                  conversationId: group.id,
                  seq,
                  emoji: action.emoji,
                  on: action.on,
                });
                expectAck(ack, model.react(actorId, seq, action.emoji, action.on));
              } else {
                const before = model.countsOf(actorId).lastReadSeq;
                const target = Math.max(0, model.lastSeq + action.offset);
                const ack = await request(socket, 'message:read', {
                  conversationId: group.id,
                  seq: target,
                });
                model.read(actorId, target);
                const { lastReadSeq, ...counts } = model.countsOf(actorId);
                expect(ack).toEqual({ ok: true, ...counts });
                if (lastReadSeq !== before) {
                  // The reader's other devices hear of it; the reading one has its ack.
                  for (const device of devicesOf(action.user).slice(1)) {
                    if (!device.client) continue;
                    device.expectedUnreadUpdates += 1;
                    await until(
                      () => unreadUpdates(device).length >= device.expectedUnreadUpdates,
                      `unread:update of user ${action.user}'s other device`,
                    );
                    expect(unreadUpdates(device).at(-1)).toEqual({
                      conversationId: group.id,
                      lastReadSeq,
                      ...counts,
                    });
                  }
                }
              }

              for (const [index, session] of users.entries()) {
                const list = await http.get<ConversationPage>(
                  '/conversations',
                  session.accessToken,
                );
                const seen = list.body.conversations.find((each) => each.id === group.id);
                expect(seen, `user ${index} after step ${step}`).toMatchObject({
                  lastSeq: model.lastSeq,
                  lastRev: model.lastRev,
                  ...model.countsOf(ids[index]!),
                });
              }
            }

            for (const device of devices) if (!device.client) await goOnline(device);
            for (const device of devices) await settle(device);
            const expected = model.messages.map(observable);
            for (const [index, device] of devices.entries()) {
              expect(unreadUpdates(device), `unread:updates of device ${index}`).toHaveLength(
                device.expectedUnreadUpdates,
              );
              fold(device);
              expect(device.folded.ascending().map(observable), `device ${index}`).toEqual(
                expected,
              );
            }
          } finally {
            for (const device of devices) device.client?.socket.close();
          }
        },
      ),
      { numRuns: 10 },
    );
  }, 300_000);
});
