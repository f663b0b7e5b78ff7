import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/protocol';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { describe, expect, inject, it } from 'vitest';
import { DatabaseConnection } from '../src/database/database.js';
import type { NewMessage } from '../src/modules/messages/messages.repository.js';
import { SendBatcher } from '../src/modules/messages/send-batcher.js';
import { useTestApp, useTestApps } from './support/api-context.js';
import { request, type ConnectedClient, type Session } from './support/chat-client.js';

const databaseUrl = inject('databaseUrl');
const unlimited = { SEND_RATE_BURST: '100000', SEND_RATE_PER_SEC: '100000' };
// One batch in flight: everything sent while it is written makes the next batch.
const sut = useTestApp({ ...unlimited, SEND_BATCHES_IN_FLIGHT: '1' });
const { users, createDirect, createGroup, online, http } = sut;

/** The send batch size histogram of the suite's node, from its /metrics. */
async function batchSizes(): Promise<{ batches: number; sends: number }> {
  const text = (await http.get<string>('/metrics')).body;
  const value = (name: string) =>
    Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    batches: value('parley_send_batch_size_count'),
    sends: value('parley_send_batch_size_sum'),
  };
}

async function storedMessages(conversationId: string) {
  return sut.app.get(DatabaseConnection).query<{ seq: number; client_msg_id: string }>(
    sql`select seq, client_msg_id from messages where conversation_id = ${conversationId}
        order by seq`,
  );
}

const newMessage = (sender: Session, conversationId: string, content = 'hi'): NewMessage => ({
  id: uuidv7(),
  conversationId,
  senderId: sender.user.id,
  clientMsgId: randomUUID(),
  content,
});

describe('send group commit', () => {
  it('answers each send of one batch on its own: seqs in order, refusals and duplicates', async () => {
    const [alice, bob, carol, outsider] = await users(4);
    const group = await createGroup(alice, [bob, carol]);
    const direct = await createDirect(alice, bob);
    const batcher = sut.app.get(SendBatcher);
    const earlier = newMessage(alice, group.id);
    await batcher.send(earlier);
    const before = await batchSizes();

    // Submitted in one turn: one batch, one statement.
    const sends = [
      newMessage(alice, group.id, 'a1'),
      newMessage(bob, group.id, 'b1'),
      newMessage(outsider, group.id, 'refused'),
      newMessage(alice, direct.id, 'd1'),
      newMessage(alice, group.id, 'a2'),
      // Sent again, stored before this batch: the stored message.
      { ...newMessage(alice, group.id, 'changed'), clientMsgId: earlier.clientMsgId },
      newMessage(bob, direct.id, 'd2'),
    ];
    const repeat = { ...sends[1]!, id: uuidv7(), content: 'b1 again' };
    const outcomes = await Promise.all([...sends, repeat].map((send) => batcher.send(send)));

    // The repeat waited for b1 instead of joining its batch.
    expect(await batchSizes()).toEqual({
      batches: before.batches + 1,
      sends: before.sends + sends.length,
    });
    const created = (index: number) => {
      const outcome = outcomes[index]!;
      if (outcome.kind !== 'created') throw new Error(`send ${index}: ${outcome.kind}`);
      return outcome;
    };
    expect(created(0).message).toMatchObject({ seq: 2, content: 'a1', senderId: alice.user.id });
    expect(created(1).message).toMatchObject({ seq: 3, content: 'b1' });
    expect(outcomes[2]).toEqual({ kind: 'not_member' });
    expect(created(3).message).toMatchObject({ seq: 1, content: 'd1' });
    expect(created(4).message).toMatchObject({ seq: 4, content: 'a2' });
    expect(outcomes[5]).toMatchObject({ kind: 'duplicate', message: { seq: 1, content: 'hi' } });
    expect(created(6).message).toMatchObject({ seq: 2, content: 'd2' });
    expect(outcomes[7]).toEqual({ kind: 'duplicate', message: created(1).message });
    // Only a sender's first message in a conversation is its first send.
    expect([0, 1, 3, 4, 6].map((index) => created(index).firstSend)).toEqual([
      false,
      true,
      true,
      false,
      true,
    ]);
    expect((await storedMessages(group.id)).map((row) => row.seq)).toEqual([1, 2, 3, 4]);
    expect((await storedMessages(direct.id)).map((row) => row.seq)).toEqual([1, 2]);
  });

  it('writes a repeated clientMsgId after the send it repeats was refused, when it goes elsewhere', async () => {
    const [alice, bob, carol] = await users(3);
    const group = await createGroup(alice, [bob]);
    const direct = await createDirect(carol, alice);
    const refused = newMessage(carol, group.id, 'refused');
    const batcher = sut.app.get(SendBatcher);
    const before = await batchSizes();
    const [first, again, elsewhere] = await Promise.all([
      batcher.send(refused),
      batcher.send({ ...refused, id: uuidv7() }),
      batcher.send({ ...refused, id: uuidv7(), conversationId: direct.id, content: 'elsewhere' }),
    ]);
    expect(first).toEqual({ kind: 'not_member' });
    expect(again).toEqual({ kind: 'not_member' });
    expect(elsewhere).toMatchObject({ kind: 'created', message: { seq: 1, content: 'elsewhere' } });
    // The repeats waited for the first, then went in a batch of their own.
    expect(await batchSizes()).toEqual({ batches: before.batches + 2, sends: before.sends + 3 });
  });

  it('reports the accepted message request on the first of two sends in one batch', async () => {
    const [alice, bob] = await users(2);
    const direct = await createDirect(alice, bob);
    await sut.app.get(DatabaseConnection).query(
      sql`update conversation_members set request_state = 'pending'
            where conversation_id = ${direct.id} and user_id = ${bob.user.id}`,
    );
    const batcher = sut.app.get(SendBatcher);
    const [first, second] = await Promise.all([
      batcher.send(newMessage(bob, direct.id)),
      batcher.send(newMessage(bob, direct.id)),
    ]);
    expect(first).toMatchObject({
      kind: 'created',
      acceptedRequest: { lastReadSeq: 1, lastDeliveredSeq: 1 },
    });
    expect(second).toMatchObject({ kind: 'created', acceptedRequest: undefined });
    const [member] = await sut.app.get(DatabaseConnection).query<Record<string, unknown>>(
      sql`select request_state, last_read_seq, has_sent from conversation_members
          where conversation_id = ${direct.id} and user_id = ${bob.user.id}`,
    );
    expect(member).toEqual({ request_state: null, last_read_seq: 2, has_sent: true });
  });

  it('gives concurrent sends of many sockets gapless seqs in each sender’s order, one row each', async () => {
    const members = await users(6);
    const group = await createGroup(members[0]!, members.slice(1));
    const directs = await Promise.all([
      createDirect(members[0]!, members[1]!),
      createDirect(members[2]!, members[3]!),
    ]);
    const sockets: { sender: Session; client: ConnectedClient }[] = [];
    for (const sender of members) {
      for (let device = 0; device < 2; device++)
        sockets.push({ sender, client: await online(sender) });
    }
    const before = await batchSizes();

    interface Sent {
      socket: number;
      conversationId: string;
      clientMsgId: string;
      ack: Promise<{ ok: boolean; message?: Message }>;
    }
    const sent: Sent[] = [];
    const send = (socket: number, conversationId: string, clientMsgId = randomUUID()) => {
      const payload = { conversationId, content: `from ${socket}`, clientMsgId };
      const ack = request(sockets[socket]!.client.socket, 'message:send', payload);
      sent.push({ socket, conversationId, clientMsgId, ack });
    };
    const twice = randomUUID();
    for (let round = 0; round < 10; round++) {
      sockets.forEach((_, socket) => {
        send(socket, group.id);
        // The members of the direct conversations also write there.
        const direct = directs[Math.floor(socket / 4)];
        if (direct) send(socket, direct.id);
      });
      // Both devices of the last member send one clientMsgId at once: one message.
      if (round === 5) {
        send(10, group.id, twice);
        send(11, group.id, twice);
      }
    }
    const acks = await Promise.all(sent.map((entry) => entry.ack));

    acks.forEach((ack, index) => {
      expect(ack.ok).toBe(true);
      expect(ack.message).toMatchObject({
        conversationId: sent[index]!.conversationId,
        clientMsgId: sent[index]!.clientMsgId,
        senderId: sockets[sent[index]!.socket]!.sender.user.id,
      });
    });
    const twiceAcks = acks.filter((_, index) => sent[index]!.clientMsgId === twice);
    expect(twiceAcks[0]!.message).toEqual(twiceAcks[1]!.message);
    for (const conversationId of [group.id, ...directs.map((direct) => direct.id)]) {
      const rows = await storedMessages(conversationId);
      const clientMsgIds = new Set(
        sent.filter((entry) => entry.conversationId === conversationId).map((e) => e.clientMsgId),
      );
      expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
      expect(new Set(rows.map((row) => row.client_msg_id))).toEqual(clientMsgIds);
      expect(rows).toHaveLength(clientMsgIds.size);
      // Each socket's sends there got rising seqs, in the order it sent them (not `twice`: its
      // ack may be the other device's message, stored before this socket's previous send).
      sockets.forEach((_, socket) => {
        const seqs = acks
          .filter(
            (ack, index) =>
              sent[index]!.socket === socket &&
              sent[index]!.clientMsgId !== twice &&
              ack.message!.conversationId === conversationId,
          )
          .map((ack) => ack.message!.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      });
    }
    // Batching happened: fewer statements than sends.
    const after = await batchSizes();
    // The second device's `twice` is written too, unless it came while the first was being
    // written and waited for it.
    expect(after.sends - before.sends).toBeGreaterThanOrEqual(sent.length - 1);
    expect(after.sends - before.sends).toBeLessThanOrEqual(sent.length);
    expect(after.batches - before.batches).toBeLessThan(after.sends - before.sends);
  });
});

describe.skipIf(!databaseUrl)('send group commit on PostgreSQL', () => {
  const start = useTestApps();

  it('fails no neighbour when a concurrent duplicate breaks the batch: each is written alone', async () => {
    const [alice, bob] = await users(2);
    const group = await createGroup(alice, [bob]);
    const contested = newMessage(alice, group.id, 'contested');
    const other = new pg.Client({ connectionString: databaseUrl });
    const observer = new pg.Client({ connectionString: databaseUrl });
    await Promise.all([other.connect(), observer.connect()]);
    try {
      // Another node's send of the same clientMsgId, not committed yet: the batch waits on it.
      await other.query('update conversations set last_seq = 1, last_rev = 1 where id = $1', [
        group.id,
      ]);
      await other.query('begin');
      await other.query(
        `insert into messages (id, conversation_id, seq, rev, sender_id, client_msg_id, content)
         values ($1, $2, 1, 1, $3, $4, 'first')`,
        [uuidv7(), group.id, alice.user.id, contested.clientMsgId],
      );
      const batcher = sut.app.get(SendBatcher);
      const before = await batchSizes();
      const outcomes = Promise.all(
        [newMessage(bob, group.id), { ...contested }, newMessage(alice, group.id)].map((send) =>
          batcher.send(send),
        ),
      );
      await expect
        .poll(async () => {
          // A transaction sees pg_stat_activity as of its first read of it: not from `other`.
          const waiting = await observer.query(
            `select count(*)::int as count from pg_stat_activity
             where wait_event_type = 'Lock' and query like '%json_to_recordset%'`,
          );
          return waiting.rows[0].count as number;
        })
        .toBe(1);
      await other.query('commit');
      const [bobs, contestedOutcome, alices] = await outcomes;
      expect(contestedOutcome).toMatchObject({ kind: 'duplicate', message: { content: 'first' } });
      // Written alone at once, the two neighbours take seqs 2 and 3 in either order.
      const seqs = [bobs, alices].map((outcome) => {
        if (outcome?.kind !== 'created') throw new Error(`a neighbour was ${outcome?.kind}`);
        return outcome.message.seq;
      });
      expect(seqs.sort()).toEqual([2, 3]);
      // One batch of three failed, then each send went alone.
      const after = await batchSizes();
      expect(after.batches - before.batches).toBe(4);
      expect(after.sends - before.sends).toBe(6);
      expect((await storedMessages(group.id)).map((row) => row.seq)).toEqual([1, 2, 3]);
    } finally {
      await Promise.all([other.end(), observer.end()]);
    }
  });

  it('keeps seqs gapless and one row per clientMsgId with sends from two nodes', async () => {
    const second = await start({ ...unlimited, SEND_BATCHES_IN_FLIGHT: '1' });
    const members = await users(4);
    const group = await createGroup(members[0]!, members.slice(1));
    const clients: ConnectedClient[] = [];
    for (const [index, member] of members.entries()) {
      clients.push(await online(member, index % 2 ? { baseUrl: second.baseUrl } : {}));
    }
    const shared = randomUUID();
    const sends: { clientMsgId: string; ack: Promise<{ ok: boolean; message?: Message }> }[] = [];
    for (let round = 0; round < 15; round++) {
      clients.forEach((client, index) => {
        const clientMsgId = randomUUID();
        sends.push({
          clientMsgId,
          ack: request(client.socket, 'message:send', {
            conversationId: group.id,
            content: `${index}/${round}`,
            clientMsgId,
          }),
        });
      });
    }
    // One user on both nodes sends one clientMsgId at once: one stored message, the same ack.
    const elsewhere = await online(members[2]!, { baseUrl: second.baseUrl });
    const both = [clients[2]!, elsewhere].map((client) =>
      request(client.socket, 'message:send', {
        conversationId: group.id,
        content: 'both',
        clientMsgId: shared,
      }),
    );
    const acks = await Promise.all([...sends.map((send) => send.ack), ...both]);
    expect(acks.every((ack) => ack.ok)).toBe(true);
    expect(acks.at(-1)!.message).toEqual(acks.at(-2)!.message);
    const rows = await storedMessages(group.id);
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    expect(rows).toHaveLength(sends.length + 1);
    expect(new Set(rows.map((row) => row.client_msg_id)).size).toBe(rows.length);
  });
});
