import { randomUUID } from 'node:crypto';
import type { Ack, Message } from '@parley/protocol';
import type { LoadClient } from './load-client.js';
import { Counter, LatencyHistogram } from './stats.js';
import { sleep } from './util.js';

/** Delivery flags of one recipient socket for one message. */
export const LIVE = 1;
export const SYNCED = 2;

/** One `message:send` of the generator and what became of it. */
export interface SentRecord {
  clientMsgId: string;
  conversationId: string;
  sender: LoadClient;
  /** When the schedule said to send it (performance.now() ms): latencies count from here. */
  scheduledAt: number;
  /** Inside the measurement window (after warm-up): counted in latencies and throughput. */
  measured: boolean;
  step: StepStats;
  ackedAt?: number;
  error?: string;
  /** Per recipient socket (position in the conversation's recipient list): LIVE | SYNCED. */
  flags: Uint8Array;
  receivedCount: number;
  /** Sent on a connected socket and not acked yet: re-sent if that socket drops. */
  onWire: boolean;
}

/** Acks of the messages scheduled in one second of a step's measurement window. */
export interface AckSecond {
  /** Wall-clock start of the second (ISO), to line it up with server-side samples. */
  at: string;
  count: number;
  p99: number;
  max: number;
}

/** Everything counted for one run at one rate. */
export class StepStats {
  readonly ackLatency = new LatencyHistogram();
  readonly deliveryLatency = new LatencyHistogram();
  /** Live deliveries only: without the time a churned socket was away before its sync. */
  readonly liveDeliveryLatency = new LatencyHistogram();
  /** How late the generator itself emitted (actual send - scheduled): its own saturation. */
  readonly sendLag = new LatencyHistogram();
  readonly errors = new Counter();
  readonly records: SentRecord[] = [];
  sent = 0;
  acked = 0;
  measuredAcked = 0;
  measuredDelivered = 0;
  resent = 0;
  /** The same message twice on one live socket. */
  duplicates = 0;
  /** A message that came both live and in a sync answer: expected around a reconnect. */
  syncOverlaps = 0;
  deliveredBySync = 0;
  measureStart = 0;
  measureEnd = 0;

  constructor(readonly label: string) {}

  /** Filled in by {@link DeliveryLedger.settle}. */
  final = {
    expectedDeliveries: 0,
    receivedDeliveries: 0,
    lostDeliveries: 0,
    lostMessages: 0,
    unacked: 0,
    dbMissing: 0 as number | undefined,
    dbDuplicates: 0 as number | undefined,
  };

  get measuredSeconds(): number {
    return Math.max(0.001, (this.measureEnd - this.measureStart) / 1000);
  }

  /**
   * Ack latency per second of the window, by scheduled send time: a stall of a few hundred
   * milliseconds in one second hardly moves the step's p99 but stands out here (issue 11).
   * Needs the records, so call it before {@link DeliveryLedger.forget}.
   */
  ackPerSecond(): AckSecond[] {
    const seconds: LatencyHistogram[] = [];
    for (const record of this.records) {
      if (!record.measured || record.ackedAt === undefined) continue;
      const index = Math.floor((record.scheduledAt - this.measureStart) / 1000);
      (seconds[index] ??= new LatencyHistogram()).recordMs(record.ackedAt - record.scheduledAt);
    }
    return Array.from(seconds, (histogram, index) => {
      const summary = histogram?.summary();
      return {
        at: new Date(performance.timeOrigin + this.measureStart + index * 1000).toISOString(),
        count: summary?.count ?? 0,
        p99: summary?.p99 ?? NaN,
        max: summary?.max ?? NaN,
      };
    });
  }
}

/**
 * Every message the generator sent, and who received it: matched by `clientMsgId`, deduplicated
 * per recipient socket, timed from the message's scheduled send time.
 */
export class DeliveryLedger {
  readonly records = new Map<string, SentRecord>();
  /** Every socket of every member, per conversation. */
  readonly recipients = new Map<string, LoadClient[]>();
  /** message:new of a message this generator did not send (or a socket outside the room). */
  unexpected = 0;
  content = 'x'.repeat(64);
  /** Sees every message a socket gets, live or by sync, before it is counted (real clients). */
  onMessage?: (client: LoadClient, message: Message, via: number) => void;

  addClient(client: LoadClient): void {
    for (const conversationId of client.conversationIds) {
      const list = this.recipients.get(conversationId) ?? [];
      client.positions.set(conversationId, list.length);
      list.push(client);
      this.recipients.set(conversationId, list);
    }
  }

  /** Emits one `message:send` now, scheduled at `scheduledAt`. */
  send(
    step: StepStats,
    sender: LoadClient,
    conversationId: string,
    scheduledAt: number,
    measured: boolean,
  ): void {
    const record: SentRecord = {
      clientMsgId: randomUUID(),
      conversationId,
      sender,
      scheduledAt,
      measured,
      step,
      flags: new Uint8Array(this.recipients.get(conversationId)?.length ?? 0),
      receivedCount: 0,
      onWire: false,
    };
    this.records.set(record.clientMsgId, record);
    step.records.push(record);
    step.sent++;
    if (measured) step.sendLag.recordMs(performance.now() - scheduledAt);
    this.emit(record);
  }

  resend(record: SentRecord): void {
    record.step.resent++;
    this.emit(record);
  }

  private emit(record: SentRecord): void {
    const { sender } = record;
    record.onWire = sender.socket.connected;
    if (record.onWire) sender.inflight.add(record);
    else sender.inflight.delete(record);
    sender.socket.emit(
      'message:send',
      {
        conversationId: record.conversationId,
        content: this.content,
        clientMsgId: record.clientMsgId,
      },
      (answer) => this.onAck(record, answer),
    );
  }

  private onAck(record: SentRecord, answer: Ack<{ message: Message }>): void {
    record.sender.inflight.delete(record);
    if (record.ackedAt !== undefined) return;
    const { step } = record;
    if (!answer.ok) {
      record.error = answer.error.code;
      step.errors.add(answer.error.code);
      return;
    }
    record.ackedAt = performance.now();
    record.error = undefined;
    step.acked++;
    record.sender.holdSeq(record.conversationId, answer.message.seq);
    if (record.measured) {
      step.measuredAcked++;
      step.ackLatency.recordMs(record.ackedAt - record.scheduledAt);
    }
  }

  deliver(client: LoadClient, message: Message, via: number): void {
    client.holdSeq(message.conversationId, message.seq);
    this.onMessage?.(client, message, via);
    const record = this.records.get(message.clientMsgId);
    if (!record) {
      // Sync answers also carry messages of earlier steps that this socket already had.
      if (via === LIVE) this.unexpected++;
      return;
    }
    if (record.sender === client) return;
    const position = client.positions.get(message.conversationId);
    if (position === undefined || record.conversationId !== message.conversationId) {
      this.unexpected++;
      return;
    }
    const { step } = record;
    const flags = record.flags[position]!;
    if (flags !== 0) {
      if (via === LIVE && flags & LIVE) step.duplicates++;
      else step.syncOverlaps++;
      record.flags[position] = flags | via;
      return;
    }
    record.flags[position] = via;
    record.receivedCount++;
    if (via === SYNCED) step.deliveredBySync++;
    if (record.measured) {
      step.measuredDelivered++;
      const latency = performance.now() - record.scheduledAt;
      step.deliveryLatency.recordMs(latency);
      if (via === LIVE) step.liveDeliveryLatency.recordMs(latency);
    }
  }

  /** Expected recipients of a message: every socket of every member but the sending one. */
  expectedFor(record: SentRecord): number {
    return record.flags.length - 1;
  }

  /** True once every message of the step is acked (or refused) and delivered everywhere. */
  isSettled(step: StepStats): boolean {
    return step.records.every(
      (record) =>
        record.error !== undefined ||
        (record.ackedAt !== undefined && record.receivedCount >= this.expectedFor(record)),
    );
  }

  /** Waits (at most `timeoutMs`) for the step to settle, then counts what is missing. */
  async settle(step: StepStats, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.isSettled(step) && performance.now() < deadline) await sleep(100);
    const final = step.final;
    for (const record of step.records) {
      if (record.ackedAt === undefined) {
        if (record.error === undefined) {
          final.unacked++;
          step.errors.add('NO_ACK');
        }
        continue;
      }
      const expected = this.expectedFor(record);
      final.expectedDeliveries += expected;
      final.receivedDeliveries += record.receivedCount;
      if (record.receivedCount < expected) {
        final.lostDeliveries += expected - record.receivedCount;
        final.lostMessages++;
      }
    }
  }

  /** Checks the database: every acked message stored exactly once. */
  async checkStored(
    step: StepStats,
    storedCounts: (ids: string[]) => Promise<Map<string, number> | undefined>,
  ): Promise<void> {
    // Only acks that came before the query count: after a drain that timed out, a late send can
    // commit after the query's snapshot and be acked while the query runs (not a loss).
    const ackedBefore = new Set(step.records.filter((record) => record.ackedAt !== undefined));
    const counts = await storedCounts(step.records.map((record) => record.clientMsgId));
    if (!counts) {
      step.final.dbMissing = undefined;
      step.final.dbDuplicates = undefined;
      return;
    }
    for (const record of step.records) {
      const count = counts.get(record.clientMsgId) ?? 0;
      if (ackedBefore.has(record) && count === 0) step.final.dbMissing!++;
      if (count > 1) step.final.dbDuplicates!++;
    }
  }

  /** Forgets a settled step's records (memory), keeping its numbers. */
  forget(step: StepStats): void {
    for (const record of step.records) this.records.delete(record.clientMsgId);
    step.records.length = 0;
  }
}
