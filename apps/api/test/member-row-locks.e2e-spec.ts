import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/protocol';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { request, type ChatSocket } from './support/chat-client.js';
import { conversationRoutes } from './support/conversation-api.js';

const databaseUrl = inject('databaseUrl');

async function send(socket: ChatSocket, conversationId: string) {
  const ack = await request(socket, 'message:send', {
    conversationId,
    content: `hello ${randomUUID()}`,
    clientMsgId: randomUUID(),
  });
  if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
  return ack.message as Message;
}

// Two more connections beside the app's pool: `holder` takes member-row locks in a transaction
// of its own, `observer` watches the app's statements wait for them.
describe.skipIf(!databaseUrl)('member row locks on PostgreSQL', () => {
  const { http, online, users, createGroup } = useTestApp();
  const { removeMember } = conversationRoutes(http);
  let holder: pg.Client;
  let observer: pg.Client;

  beforeEach(async () => {
    holder = new pg.Client({ connectionString: databaseUrl });
    observer = new pg.Client({ connectionString: databaseUrl });
    await Promise.all([holder.connect(), observer.connect()]);
  });
  afterEach(() => Promise.all([holder.end(), observer.end()]));

  /** Until some statement of the app waits for a lock whose text contains `fragment`. */
  const waitingOnLock = (fragment: string) =>
    expect
      .poll(async () => {
        const { rows } = await observer.query<{ count: number }>(
          `select count(*)::int as count from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'
             and query like '%' || $1 || '%'`,
          [fragment],
        );
        return rows[0]?.count;
      })
      .toBeGreaterThan(0);

  it('counts a delete that committed while the read waited for its member row', async () => {
    const [alice, bob] = await users(2);
    const group = await createGroup(alice, [bob]);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    for (let index = 0; index < 3; index++) await send(aliceDevice.socket, group.id);

    // Bob's member row is busy: his read (up to seq 2) takes its snapshot, then waits for it.
    await holder.query('begin');
    await holder.query(
      `select 1 from conversation_members where conversation_id = $1 and user_id = $2
       for no key update`,
      [group.id, bob.user.id],
    );
    const read = request(bobDevice.socket, 'message:read', { conversationId: group.id, seq: 2 });
    await waitingOnLock('json_to_recordset');

    // Alice deletes seq 3, still unread by Bob, and it commits before the read moves on.
    const deleted = request(aliceDevice.socket, 'message:delete', {
      conversationId: group.id,
      seq: 3,
    });
    await expect
      .poll(async () => {
        const { rows } = await observer.query(
          'select deleted_at from messages where conversation_id = $1 and seq = 3',
          [group.id],
        );
        return rows[0]?.deleted_at !== null;
      })
      .toBe(true);
    await holder.query('commit');
    expect((await deleted).ok).toBe(true);

    // Only seq 3 was after Bob's new watermark, and it is deleted.
    expect(await read).toEqual({ ok: true, unreadCount: 0, mentionCount: 0 });
  });

  it('removes a leaving owner without deadlocking with a member-row locker in user_id order', async () => {
    // The successor (the only other member) sorts before the leaving owner.
    const [first, second] = await users(2);
    const [successor, owner] = [first, second].sort((one, other) =>
      one.user.id < other.user.id ? -1 : 1,
    ) as [typeof first, typeof first];
    const group = await createGroup(owner, [successor]);

    // A watermark batch's order: the successor's row, then (below) the owner's.
    await holder.query('begin');
    await holder.query(
      `select 1 from conversation_members where conversation_id = $1 and user_id = $2
       for no key update`,
      [group.id, successor.user.id],
    );
    const leaving = removeMember(group.id, owner.user.id, owner);
    await waitingOnLock('conversation_members');
    await holder.query(
      `select 1 from conversation_members where conversation_id = $1 and user_id = $2
       for no key update`,
      [group.id, owner.user.id],
    );
    await holder.query('commit');

    expect((await leaving).status).toBe(204);
    const { rows } = await observer.query(
      'select user_id, role from conversation_members where conversation_id = $1',
      [group.id],
    );
    expect(rows).toEqual([{ user_id: successor.user.id, role: 'owner' }]);
  });
});
