import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { connect, request, type ConnectedClient, type Session } from './support/chat-client.js';

const sut = useTestApp({ SEND_RATE_BURST: '100000', SEND_RATE_PER_SEC: '100000' });
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
