import type { Ack, ClientToServerEvents, Message, ServerToClientEvents } from '@parley/protocol';
import { io, type Socket } from 'socket.io-client';
import { LIVE, SYNCED, type DeliveryLedger, type SentRecord } from './delivery-ledger.js';
import { openLoop } from './open-loop.js';
import { Counter, LatencyHistogram } from './stats.js';
import { sleep } from './util.js';

/** The SDK's (packages/client/src/sync-loop.ts): a gap that lasts this long is synced. */
const GAP_SYNC_DELAY_MS = 100;

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ClientOptions {
  url: string;
  auth: Record<string, unknown>;
  conversationIds: string[];
  localAddress?: string;
  /** Reconnect after drops, as the SDK does (backoff 1 s doubling to 30 s, +-50 %). */
  reconnect: boolean;
  /**
   * The target's `seq` has no gaps per conversation (Parley's): cursors hold every seq up to
   * theirs, and a live message above a gap syncs at once, as the SDK does. The ceiling's `seq`
   * is a global serial (gaps are normal): its cursors are the highest seq seen.
   */
  gaplessSeq: boolean;
}

/**
 * `BENCH_FAULT=drop:N` ignores every Nth live message:new (its seq counts as held, so no sync
 * brings it), `dup:N` handles it twice: a check that the bench's own loss and duplicate
 * accounting (and its exit code) works.
 */
const fault = /^(drop|dup):(\d+)$/.exec(process.env.BENCH_FAULT ?? '');
let liveMessages = 0;

const BACKOFF_INITIAL_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/**
 * The seqs one socket holds of one conversation: all up to `seq` (what `sync` resumes from), and
 * those above a gap.
 */
class SeqCursor {
  seq = 0;
  private readonly aboveGap = new Set<number>();

  constructor(private readonly gapless: boolean) {}

  hold(seq: number): void {
    if (seq <= this.seq) return;
    if (!this.gapless) {
      this.seq = seq;
      return;
    }
    this.aboveGap.add(seq);
    while (this.aboveGap.delete(this.seq + 1)) this.seq++;
  }

  get hasGap(): boolean {
    return this.aboveGap.size > 0;
  }
}

/**
 * One simulated device: a raw socket.io-client socket (websocket only), its cursors for `sync`,
 * and the sends it has on the wire. It syncs from its cursors after a reconnect and when a live
 * message reveals a gap, as the SDK does.
 */
export class LoadClient {
  readonly socket: ChatSocket;
  private readonly cursors = new Map<string, SeqCursor>();
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
  private gapTimer?: NodeJS.Timeout;
  onConnectError?: (error: Error) => void;

  constructor(
    readonly index: number,
    readonly nodeIndex: number,
    readonly options: ClientOptions,
    private readonly ledger: DeliveryLedger,
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
        if (fault[1] === 'drop') {
          this.holdSeq(message.conversationId, message.seq);
          return;
        }
        this.ledger.deliver(this, message, LIVE);
      }
      this.ledger.deliver(this, message, LIVE);
      // The message before it never came (yet): live events from two nodes can cross, and a
      // node that shuts down may disconnect this socket before it passed that one on.
      if (this.cursor(message.conversationId).hasGap) this.syncIfGapLasts();
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

  /** This socket has the message `seq` of the conversation (live, synced, or its own ack). */
  holdSeq(conversationId: string, seq: number): void {
    this.cursor(conversationId).hold(seq);
  }

  private cursor(conversationId: string): SeqCursor {
    let cursor = this.cursors.get(conversationId);
    if (!cursor) {
      cursor = new SeqCursor(this.options.gaplessSeq);
      this.cursors.set(conversationId, cursor);
    }
    return cursor;
  }

  /** As the SDK: a gap still open after GAP_SYNC_DELAY_MS is synced. */
  private syncIfGapLasts(): void {
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if ([...this.cursors.values()].some((cursor) => cursor.hasGap)) void this.sync();
    }, GAP_SYNC_DELAY_MS);
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
          seq: this.cursors.get(conversationId)?.seq ?? 0,
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
