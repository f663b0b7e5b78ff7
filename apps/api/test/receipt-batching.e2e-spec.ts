/**
 * Issue 11: receipts go to PostgreSQL in batches (one statement and one commit for many members'
 * watermarks), and a member's receipt:updates are coalesced within a window (contract v2
 * section 4).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsService } from '../src/modules/metrics/metrics.service.js';
import {
  MessagesRepository,
  type WatermarkTarget,
} from '../src/modules/messages/messages.repository.js';
import { WatermarkBatcher } from '../src/modules/messages/watermark-batcher.js';
import { RECEIPT_WINDOW_MS } from '../src/realtime/receipt-coalescer.js';
import { useTestApp } from './support/api-context.js';
import { request, sendMessage, type Session } from './support/chat-client.js';
import { conversationRoutes } from './support/conversation-api.js';

const node = useTestApp();
const { http, online, users, createDirect, createGroup } = node;
const { getConversation, markRead } = conversationRoutes(http);

// Long enough for a held receipt to go out and reach the socket over loopback.
const QUIET_MS = RECEIPT_WINDOW_MS + 300;

const target = (
  conversationId: string,
  session: Session,
  seqs: { readSeq?: number; deliveredSeq?: number },
): WatermarkTarget => ({
  conversationId,
  userId: session.user.id,
  readSeq: seqs.readSeq ?? 0,
  deliveredSeq: seqs.deliveredSeq ?? seqs.readSeq ?? 0,
  read: seqs.readSeq !== undefined,
});

const change = (
  previous: [read: number, delivered: number],
  now: [read: number, delivered: number],
  lastSeq: number,
  request = false,
) => ({
  previousReadSeq: previous[0],
  previousDeliveredSeq: previous[1],
  lastReadSeq: now[0],
  lastDeliveredSeq: now[1],
  // Only reads are counted, and every read here reads past 0. Nothing here is deleted or
  // mentions anyone: every message after the watermark is unread.
  counts: now[0] > 0 ? { unreadCount: lastSeq - now[0], mentionCount: 0 } : undefined,
  request,
});

async function sendMessages(session: Session, conversationId: string, count: number) {
  const { socket } = await online(session);
  for (let index = 1; index <= count; index++) {
    await sendMessage(socket, conversationId, `m${index}`);
  }
}

async function watermarksOf(conversationId: string, member: Session, viewer: Session) {
  const { body } = await getConversation(conversationId, viewer);
  const row = body.members.find((entry) => entry.userId === member.user.id);
  return row && [row.lastReadSeq, row.lastDeliveredSeq];
}

describe('advancing watermarks in one statement', () => {
  const repository = () => node.app.get(MessagesRepository);

  it('answers each member of several conversations with its own change', async () => {
    const [alice, bob, carol, dave] = await users(4);
    const group = await createGroup(alice, [bob, carol, dave]);
    const direct = await createDirect(alice, bob);
    await sendMessages(alice, group.id, 5);
    await sendMessages(alice, direct.id, 3);

    const changes = await repository().advanceWatermarks([
      target(group.id, bob, { readSeq: 2 }),
      target(direct.id, bob, { deliveredSeq: 3 }),
      target(group.id, carol, { readSeq: 4, deliveredSeq: 5 }),
      target(group.id, dave, { deliveredSeq: 1 }),
    ]);

    expect(changes).toEqual([
      change([0, 0], [2, 2], 5),
      change([0, 0], [0, 3], 3),
      change([0, 0], [4, 5], 5),
      change([0, 0], [0, 1], 5),
    ]);
    expect(await watermarksOf(group.id, carol, alice)).toEqual([4, 5]);
    expect(await watermarksOf(direct.id, bob, alice)).toEqual([0, 3]);
  });

  it('merges one member’s targets: the row takes the highest, one of them is told of the move', async () => {
    const [alice, bob] = await users(2);
    const direct = await createDirect(alice, bob);
    await sendMessages(alice, direct.id, 8);
    await repository().advanceWatermarks([target(direct.id, bob, { readSeq: 1 })]);

    const changes = await repository().advanceWatermarks([
      target(direct.id, bob, { deliveredSeq: 7 }),
      target(direct.id, bob, { readSeq: 3 }),
      target(direct.id, bob, { readSeq: 5 }),
      target(direct.id, bob, { readSeq: 5 }),
    ]);

    // The first read of 5 is told: the reads announce the read watermark (unread:update).
    const after = change([5, 7], [5, 7], 8);
    expect(changes).toEqual([after, after, change([1, 1], [5, 7], 8), after]);
    expect(await watermarksOf(direct.id, bob, alice)).toEqual([5, 7]);
  });

  it('never moves back nor past the last message', async () => {
    const [alice, bob] = await users(2);
    const direct = await createDirect(alice, bob);
    await sendMessages(alice, direct.id, 4);
    await repository().advanceWatermarks([target(direct.id, bob, { readSeq: 3 })]);

    const [back, past] = await repository().advanceWatermarks([
      target(direct.id, alice, { readSeq: 1 }),
      target(direct.id, bob, { readSeq: 999 }),
    ]);
    // Alice sent all four: her watermarks are already at the end.
    expect(back).toEqual(change([4, 4], [4, 4], 4));
    expect(past).toEqual(change([3, 3], [4, 4], 4));
  });

  it('answers a non-member alone, without failing the members beside it', async () => {
    const [alice, bob, eve] = await users(3);
    const direct = await createDirect(alice, bob);
    await sendMessages(alice, direct.id, 2);

    const changes = await repository().advanceWatermarks([
      target(direct.id, eve, { readSeq: 2 }),
      target(direct.id, bob, { readSeq: 2 }),
      target(randomUUID(), bob, { readSeq: 2 }),
    ]);

    expect(changes).toEqual([undefined, change([0, 0], [2, 2], 2), undefined]);
  });

  it('flags the receiver of a pending request, and treats a declined one as no member', async () => {
    const [opener, receiver, decliner] = await users(3);
    for (const session of [receiver, decliner]) {
      const response = await http.request('PATCH', '/users/me/privacy', {
        body: { directMessages: 'requests' },
        token: session.accessToken,
      });
      expect(response.status).toBe(200);
    }
    const pending = await createDirect(opener, receiver);
    const declined = await createDirect(opener, decliner);
    await sendMessages(opener, pending.id, 2);
    await sendMessages(opener, declined.id, 2);
    const response = await http.post(
      `/conversations/${declined.id}/decline`,
      undefined,
      decliner.accessToken,
    );
    expect(response.status).toBe(204);

    const changes = await repository().advanceWatermarks([
      target(pending.id, receiver, { readSeq: 2 }),
      target(declined.id, decliner, { readSeq: 2 }),
    ]);

    expect(changes).toEqual([change([0, 0], [2, 2], 2, true), undefined]);
  });
});

describe('the watermark batcher', () => {
  it('writes receipts that arrive together as one batch, each answered', async () => {
    const [alice, ...readers] = await users(6);
    const group = await createGroup(alice, readers);
    const direct = await createDirect(alice, readers[0]!);
    await sendMessages(alice, group.id, 3);
    const batchSize = node.app
      .get(MetricsService)
      .registry.getSingleMetric('parley_watermark_batch_size') as Histogram;
    const before = await batchSize.get();
    const countOf = (values: typeof before.values, name: string) =>
      values.find((value) => value.metricName === name)?.value ?? 0;

    const batcher = node.app.get(WatermarkBatcher);
    const answers = await Promise.all([
      ...readers.map((reader, index) =>
        batcher.advance(target(group.id, reader, { readSeq: index % 3 })),
      ),
      batcher.advance(target(direct.id, readers[1]!, { readSeq: 1 })),
    ]);

    expect(answers.map((answer) => answer?.lastReadSeq)).toEqual([0, 1, 2, 0, 1, undefined]);
    const after = await batchSize.get();
    expect(
      countOf(after.values, 'parley_watermark_batch_size_count') -
        countOf(before.values, 'parley_watermark_batch_size_count'),
    ).toBe(1);
    expect(
      countOf(after.values, 'parley_watermark_batch_size_sum') -
        countOf(before.values, 'parley_watermark_batch_size_sum'),
    ).toBe(6);
  });
});

describe('receipt:update fan-out', () => {
  const coalescedCount = async () => {
    const text = await node.app.get(MetricsService).registry.metrics();
    const line = /^parley_receipt_updates_total\{outcome="coalesced"\} (\d+)$/m.exec(text);
    return Number(line?.[1] ?? 0);
  };

  it('sends a burst of one member’s reads as the first at once and the latest at the end', async () => {
    const [alice, bob] = await users(2);
    const direct = await createDirect(alice, bob);
    await sendMessages(alice, direct.id, 6);
    const aliceDevice = await online(alice);
    const bobDevice = await online(bob);
    const coalescedBefore = await coalescedCount();

    const startedAt = performance.now();
    for (let seq = 1; seq <= 6; seq++) {
      await request(bobDevice.socket, 'message:read', { conversationId: direct.id, seq });
    }
    const burstMs = performance.now() - startedAt;

    await aliceDevice.log.waitFor('receipt:update', (update) => update.readSeq === 6);
    await sleep(QUIET_MS);
    const published = aliceDevice.log.of('receipt:update').map((update) => update.readSeq);
    expect(published[0]).toBe(1);
    expect(published.at(-1)).toBe(6);
    // At most one per window after the first: a burst within one window (the usual case) is
    // exactly [1, 6]; a machine slow enough to stretch it over more windows sends one per window.
    expect(published.length).toBeLessThanOrEqual(2 + Math.floor(burstMs / RECEIPT_WINDOW_MS));
    // Every read moved the watermark: what was not published was counted as coalesced.
    expect((await coalescedCount()) - coalescedBefore).toBe(6 - published.length);
  });

  it('sends a single read once', async () => {
    const [alice, bob] = await users(2);
    const direct = await createDirect(alice, bob);
    await sendMessages(alice, direct.id, 2);
    const aliceDevice = await online(alice);

    expect((await markRead(direct.id, 2, bob)).status).toBe(200);

    await aliceDevice.log.waitFor('receipt:update');
    await sleep(QUIET_MS);
    expect(aliceDevice.log.of('receipt:update')).toEqual([
      { conversationId: direct.id, userId: bob.user.id, deliveredSeq: 2, readSeq: 2 },
    ]);
  });

  it('never merges the receipts of two members, nor sends any for a pending request', async () => {
    const [alice, bob, carol, stranger] = await users(4);
    const group = await createGroup(alice, [bob, carol]);
    const response = await http.request('PATCH', '/users/me/privacy', {
      body: { directMessages: 'requests' },
      token: stranger.accessToken,
    });
    expect(response.status).toBe(200);
    const pending = await createDirect(alice, stranger);
    await sendMessages(alice, group.id, 2);
    await sendMessages(alice, pending.id, 2);
    const aliceDevice = await online(alice);

    const acks = await Promise.all([
      markRead(group.id, 2, bob),
      markRead(group.id, 2, carol),
      markRead(pending.id, 2, stranger),
    ]);
    expect(acks.map((ack) => ack.body)).toEqual([
      { lastReadSeq: 2, unreadCount: 0, mentionCount: 0 },
      { lastReadSeq: 2, unreadCount: 0, mentionCount: 0 },
      { lastReadSeq: 2, unreadCount: 0, mentionCount: 0 },
    ]);

    await aliceDevice.log.waitFor('receipt:update', (update) => update.userId === carol.user.id);
    await aliceDevice.log.waitFor('receipt:update', (update) => update.userId === bob.user.id);
    await sleep(QUIET_MS);
    expect(
      aliceDevice.log
        .of('receipt:update')
        .map((update) => update.userId)
        .sort(),
    ).toEqual([bob.user.id, carol.user.id].sort());
  });
});
