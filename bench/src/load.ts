import { randomUUID } from 'node:crypto';
import type { Ack, ClientToServerEvents, Message, ServerToClientEvents } from '@parley/protocol';
import { io, type Socket } from 'socket.io-client';
import { Counter, LatencyHistogram } from './stats.js';
import { sleep } from './util.js';

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Delivery flags of one recipient socket for one message. */
const LIVE = 1;
const SYNCED = 2;

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

/** Everything counted for one run at one rate. */
export class StepStats {
  readonly ackLatency = new LatencyHistogram();
  readonly deliveryLatency = new LatencyHistogram();
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

  /** Filled in by {@link Ledger.settle}. */
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
}

export interface ClientOptions {
  url: string;
  auth: Record<string, unknown>;
  conversationIds: string[];
  localAddress?: string;
  /** Reconnect after drops, as the SDK does (backoff 1 s doubling to 30 s, +-50 %). */
  reconnect: boolean;
}

/**
 * `BENCH_FAULT=drop:N` ignores every Nth live message:new, `dup:N` handles it twice: a check
 * that the bench's own loss and duplicate accounting (and its exit code) works.
 */
const fault = /^(drop|dup):(\d+)$/.exec(process.env.BENCH_FAULT ?? '');
let liveMessages = 0;

const BACKOFF_INITIAL_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/**
 * One simulated device: a raw socket.io-client socket (websocket only), its cursors for `sync`,
 * and the sends it has on the wire. After a reconnect it syncs from its cursors, as the SDK does.
 */
export class LoadClient {
  readonly socket: ChatSocket;
  readonly maxSeq = new Map<string, number>();
  /** Position of this socket in each of its conversations' recipient lists. */
  readonly positions = new Map<string, number>();
  readonly inflight = new Set<SentRecord>();
  connects = 0;
  connectedAt = 0;
  disconnectedAt = 0;
  syncedAt = 0;
  syncFailures = new Counter();
  private wanted = true;
  private reconnectAttempt = 0;
  private syncing = false;
  private syncAgain = false;
  onConnectError?: (error: Error) => void;

  constructor(
    readonly index: number,
    readonly nodeIndex: number,
    readonly options: ClientOptions,
    private readonly ledger: Ledger,
  ) {
    this.socket = io(options.url, {
      transports: ['websocket'],
      forceNew: true,
      autoConnect: false,
      reconnection: options.reconnect,
      reconnectionDelay: BACKOFF_INITIAL_MS,
      reconnectionDelayMax: BACKOFF_MAX_MS,
      randomizationFactor: 0.5,
      timeout: 20_000,
      auth: options.auth,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on('connect_error', (error) => {
      this.onConnectError?.(error);
      // An inactive socket was refused by middleware or by us: socket.io-client will not retry.
      if (this.options.reconnect && this.wanted && !this.socket.active) this.scheduleReconnect();
    });
    this.socket.on('message:new', (message) => {
      if (fault && ++liveMessages % Number(fault[2]) === 0) {
        if (fault[1] === 'drop') return;
        this.ledger.deliver(this, message, LIVE);
      }
      this.ledger.deliver(this, message, LIVE);
    });
    this.socket.on('resync', () => void this.sync());
  }

  get conversationIds(): string[] {
    return this.options.conversationIds;
  }

  connect(): void {
    this.wanted = true;
    this.socket.connect();
  }

  close(): void {
    this.wanted = false;
    this.socket.disconnect();
  }

  noteSeq(conversationId: string, seq: number): void {
    if (seq > (this.maxSeq.get(conversationId) ?? 0)) this.maxSeq.set(conversationId, seq);
  }

  private onConnect(): void {
    this.connects++;
    this.connectedAt = performance.now();
    this.reconnectAttempt = 0;
    if (this.connects > 1) void this.sync();
  }

  private onDisconnect(reason: string): void {
    this.disconnectedAt = performance.now();
    this.syncedAt = 0;
    // Acks of sends already on the wire are lost with the connection: send them again with the
    // same clientMsgId (socket.io-client buffers them until it is connected again).
    for (const record of [...this.inflight]) this.ledger.resend(record);
    if (this.options.reconnect && this.wanted && reason === 'io server disconnect') {
      // socket.io-client does not reconnect after a disconnect by the server: the SDK does.
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** this.reconnectAttempt++);
    const delay = base * (1 + 0.5 * (Math.random() * 2 - 1));
    setTimeout(() => {
      if (this.wanted && !this.socket.connected && !this.socket.active) this.socket.connect();
    }, delay);
  }

  /** Fetches everything after this socket's cursors, page by page, then marks it synced. */
  async sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    try {
      for (let round = 0; round < 100; round++) {
        this.syncAgain = false;
        const cursors = this.conversationIds.map((conversationId) => ({
          conversationId,
          seq: this.maxSeq.get(conversationId) ?? 0,
        }));
        const answer = (await this.socket
          .timeout(30_000)
          .emitWithAck('sync', { cursors, limit: 500 })) as Ack<{
          conversations: { conversationId: string; messages: Message[]; hasMore: boolean }[];
        }>;
        if (!answer.ok) {
          this.syncFailures.add(answer.error.code);
          await sleep(500);
          continue;
        }
        let more = false;
        for (const conversation of answer.conversations) {
          for (const message of conversation.messages) this.ledger.deliver(this, message, SYNCED);
          more ||= conversation.hasMore;
        }
        if (!more && !this.syncAgain) {
          this.syncedAt = performance.now();
          return;
        }
      }
    } catch (error) {
      // A timeout, or the socket dropped: the next connect syncs again.
      this.syncFailures.add((error as Error).message.includes('timed out') ? 'TIMEOUT' : 'DROPPED');
    } finally {
      this.syncing = false;
    }
  }
}

/**
 * Every message the generator sent, and who received it: matched by `clientMsgId`, deduplicated
 * per recipient socket, timed from the message's scheduled send time.
 */
export class Ledger {
  readonly records = new Map<string, SentRecord>();
  /** Every socket of every member, per conversation. */
  readonly recipients = new Map<string, LoadClient[]>();
  /** message:new of a message this generator did not send (or a socket outside the room). */
  unexpected = 0;
  content = 'x'.repeat(64);

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
    record.sender.noteSeq(record.conversationId, answer.message.seq);
    if (record.measured) {
      step.measuredAcked++;
      step.ackLatency.recordMs(record.ackedAt - record.scheduledAt);
    }
  }

  deliver(client: LoadClient, message: Message, via: number): void {
    client.noteSeq(message.conversationId, message.seq);
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
      step.deliveryLatency.recordMs(performance.now() - record.scheduledAt);
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
    const counts = await storedCounts(step.records.map((record) => record.clientMsgId));
    if (!counts) {
      step.final.dbMissing = undefined;
      step.final.dbDuplicates = undefined;
      return;
    }
    for (const record of step.records) {
      const count = counts.get(record.clientMsgId) ?? 0;
      if (record.ackedAt !== undefined && count === 0) step.final.dbMissing!++;
      if (count > 1) step.final.dbDuplicates!++;
    }
  }

  /** Forgets a settled step's records (memory), keeping its numbers. */
  forget(step: StepStats): void {
    for (const record of step.records) this.records.delete(record.clientMsgId);
    step.records.length = 0;
  }
}

/**
 * Calls `fire` on an open-loop schedule: `rate` per second, evenly spaced or as a Poisson
 * process, for `durationMs`, whatever the server does. A stalled server therefore shows up as
 * latency (each message is timed from its scheduled time), not as fewer messages sent.
 */
export async function openLoop(options: {
  rate: number;
  durationMs: number;
  poisson: boolean;
  fire: (scheduledAt: number, index: number) => void;
}): Promise<{ startedAt: number; count: number }> {
  const { rate, poisson } = options;
  const gap = () => (poisson ? -Math.log(1 - Math.random()) : 1) * (1000 / rate);
  const startedAt = performance.now() + 1;
  const endAt = startedAt + options.durationMs;
  let next = startedAt;
  let count = 0;
  while (next < endAt) {
    const now = performance.now();
    while (next <= now && next < endAt) {
      options.fire(next, count++);
      next += gap();
    }
    await sleep(Math.min(next, endAt) - performance.now());
  }
  return { startedAt, count };
}

/**
 * Connects clients on an open-loop schedule (`ratePerSec`) and resolves when each has connected
 * or failed, or after `timeoutMs`: handshake latency counts from each scheduled time.
 */
export async function connectClients(
  clients: LoadClient[],
  ratePerSec: number,
  timeoutMs: number,
): Promise<{ latency: LatencyHistogram; errors: Counter; elapsedMs: number; connected: number }> {
  const latency = new LatencyHistogram();
  const errors = new Counter();
  let done = 0;
  let connected = 0;
  let lastAt = 0;
  const startedAt = performance.now();
  const finished = new Promise<void>((resolve) => {
    if (clients.length === 0) resolve();
    const settle = () => {
      if (++done === clients.length) resolve();
    };
    const loop = openLoop({
      rate: ratePerSec,
      durationMs: ((clients.length - 0.5) / ratePerSec) * 1000,
      poisson: false,
      fire: (scheduledAt, index) => {
        const client = clients[index];
        if (!client) return;
        let answered = false;
        client.socket.once('connect', () => {
          if (answered) return;
          answered = true;
          lastAt = performance.now();
          latency.recordMs(lastAt - scheduledAt);
          connected++;
          settle();
        });
        client.onConnectError = (error) => {
          if (answered) return;
          answered = true;
          errors.add(error.message || 'connect_error');
          settle();
        };
        client.connect();
      },
    });
    void loop;
  });
  await Promise.race([finished, sleep(timeoutMs)]);
  for (const client of clients) client.onConnectError = undefined;
  const unanswered = clients.length - done;
  if (unanswered > 0) errors.add('TIMEOUT', unanswered);
  return { latency, errors, elapsedMs: (lastAt || performance.now()) - startedAt, connected };
}
