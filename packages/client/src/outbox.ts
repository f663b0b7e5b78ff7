import type { Message, SendMessagePayload } from '@parley/protocol';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { ParleySocketError } from './socket-error.js';

/** A message the server has not confirmed yet, as the app sees it (for a "pending" UI). */
export interface OutboxEntry {
  readonly clientMsgId: string;
  readonly conversationId: string;
  readonly content: string;
  /** The seq of the message this one answers, when it is a reply. */
  readonly replyToSeq?: number;
  /** The members it mentions, as given to `send`. */
  readonly mentions?: readonly string[];
  /**
   * `pending`: queued, on its way, or stored and waiting for earlier messages to be released
   * before it; `failed`: gave up, waits for `retrySend` or `cancelSend`.
   */
  readonly status: 'pending' | 'failed';
  /** How many times it was transmitted. */
  readonly attempts: number;
  readonly lastError: ParleySocketError | null;
  readonly queuedAt: string;
}

export interface OutboxOptions {
  /** Emits `message:send` and resolves with the stored message; rejects with a ParleySocketError. */
  transmit: (payload: SendMessagePayload) => Promise<Message>;
  /**
   * Hands every message the server confirmed to the ledger; answers whether the app has it (the
   * ledger released it, now or before). If not, its entry stays until `released` reports it.
   */
  deliver: (message: Message) => boolean;
  /** Called whenever the entries changed. */
  onChange: () => void;
  backoff: BackoffOptions;
  /** Transmissions that end in UNAVAILABLE, INTERNAL or a timeout before an entry is `failed`. */
  maxAttempts: number;
}

interface QueuedMessage {
  /** Replaced, never changed: a snapshot of `entries` stays as it was. */
  entry: OutboxEntry;
  /** Consecutive transient failures, for the backoff and `maxAttempts`. */
  transientFailures: number;
  inFlight: boolean;
  /** The server confirmed it; the entry waits for the ledger to release the message. */
  acked: boolean;
  settle: {
    resolve: (message: Message) => void;
    reject: (error: ParleySocketError) => void;
  } | null;
}

/** The server will answer the same again: retrying cannot help. */
const FINAL_ERRORS: ReadonlySet<string> = new Set(['VALIDATION', 'NOT_FOUND', 'FORBIDDEN']);

/**
 * Whether a send was refused for good (`VALIDATION`, `NOT_FOUND`, `FORBIDDEN`): the outbox has
 * dropped the message, and sending it again unchanged would be refused again. Any other failure
 * leaves a `failed` entry in the outbox (see `retrySend`).
 * @example
 * client.send(conversationId, text).catch((error) => {
 *   if (isFinalSendError(error)) showNotSent(text, error.message);
 * });
 */
export function isFinalSendError(error: unknown): error is ParleySocketError {
  return error instanceof ParleySocketError && FINAL_ERRORS.has(error.code);
}

/**
 * Messages waiting for the server's ack, in the order they were sent. While online, entries are
 * transmitted back to back (the server assigns seqs in the order one socket sends); after a
 * failure the outbox waits (the server's `retryAfterMs`, or a backoff) and then probes with the
 * oldest entry alone before it sends the rest. Going offline keeps every entry; going online
 * again resends them in their original order with the same `clientMsgId`, which the server
 * deduplicates. An entry the server confirmed stays until the ledger has released its message
 * (see `deliver`), so that an app showing `entries` and released messages always shows it once.
 */
export class Outbox {
  private readonly queue: QueuedMessage[] = [];
  /** Confirmed entries whose message the ledger holds back (behind a gap), by clientMsgId. */
  private readonly awaitingRelease = new Map<string, QueuedMessage>();
  /** Built on the first read after a change: a burst of changes costs no copies. */
  private snapshot: readonly OutboxEntry[] | null = null;
  private online = false;
  /** Bumped when going offline: an answer to an earlier transmission is void. */
  private epoch = 0;
  private waitUntil = 0;
  private waitTimer: ReturnType<typeof setTimeout> | null = null;
  /** After a failure: one transmission at a time until one succeeds. */
  private probing = false;

  constructor(private readonly options: OutboxOptions) {}

  /** The entries, oldest first; the same array until the next change. */
  get entries(): readonly OutboxEntry[] {
    this.snapshot ??= Object.freeze(this.queue.map((queued) => queued.entry));
    return this.snapshot;
  }

  /** Queues a message; resolves with the stored message once the server confirmed it. */
  enqueue(payload: SendMessagePayload): Promise<Message> {
    const queued: QueuedMessage = {
      entry: {
        ...payload,
        status: 'pending',
        attempts: 0,
        lastError: null,
        queuedAt: new Date().toISOString(),
      },
      transientFailures: 0,
      inFlight: false,
      acked: false,
      settle: null,
    };
    const sent = this.awaitSettle(queued);
    this.queue.push(queued);
    this.changed();
    this.pump();
    return sent;
  }

  /** Queues a `failed` entry again; resolves like `enqueue`. */
  retry(clientMsgId: string): Promise<Message> {
    const queued = this.find(clientMsgId);
    if (!queued || queued.entry.status !== 'failed') {
      return Promise.reject(
        new ParleySocketError('NOT_FOUND', `No failed message ${clientMsgId} in the outbox`),
      );
    }
    queued.entry = { ...queued.entry, status: 'pending' };
    queued.transientFailures = 0;
    const sent = this.awaitSettle(queued);
    this.changed();
    this.pump();
    return sent;
  }

  /**
   * Removes an entry; its send is rejected with `CANCELLED`. A message that was transmitted
   * before may have been stored already: cancelling stops retries, it does not unsend.
   */
  cancel(clientMsgId: string): boolean {
    const queued = this.find(clientMsgId);
    if (!queued) return false;
    this.remove(queued);
    queued.settle?.reject(new ParleySocketError('CANCELLED', 'The message was cancelled'));
    this.changed();
    return true;
  }

  /** The ledger released these messages to the app: confirmed entries among them leave. */
  released(messages: readonly Message[]): void {
    if (this.awaitingRelease.size === 0) return;
    let removed = false;
    for (const message of messages) {
      const queued = this.awaitingRelease.get(message.clientMsgId);
      if (!queued || queued.entry.conversationId !== message.conversationId) continue;
      this.remove(queued);
      removed = true;
    }
    if (removed) this.changed();
  }

  /** The user left the conversation: its confirmed entries will never be released. */
  forgetConversation(conversationId: string): void {
    let removed = false;
    for (const queued of [...this.awaitingRelease.values()]) {
      if (queued.entry.conversationId !== conversationId) continue;
      this.remove(queued);
      removed = true;
    }
    if (removed) this.changed();
  }

  /** Starts transmitting (the socket is connected and synced). */
  resume(): void {
    this.online = true;
    this.pump();
  }

  /** Stops transmitting; messages in flight stay queued and are resent after `resume`. */
  suspend(): void {
    this.online = false;
    this.epoch++;
    this.cancelWaitTimer();
    for (const queued of this.queue) queued.inFlight = false;
  }

  /** Drops every entry, rejecting their sends with `error`. */
  clear(error: ParleySocketError): void {
    this.suspend();
    const dropped = this.queue.splice(0);
    this.awaitingRelease.clear();
    for (const queued of dropped) queued.settle?.reject(error);
    if (dropped.length > 0) this.changed();
  }

  private pump(): void {
    if (!this.online || this.waitTimer) return;
    const remainingWaitMs = this.waitUntil - Date.now();
    if (remainingWaitMs > 0) {
      this.waitTimer = setTimeout(() => {
        this.waitTimer = null;
        this.pump();
      }, remainingWaitMs);
      return;
    }
    if (this.probing && this.queue.some((queued) => queued.inFlight)) return;
    for (const queued of this.queue) {
      if (queued.entry.status !== 'pending' || queued.inFlight || queued.acked) continue;
      void this.transmit(queued);
      if (this.probing) return;
    }
  }

  private async transmit(queued: QueuedMessage): Promise<void> {
    const epoch = this.epoch;
    const { clientMsgId, conversationId, content, replyToSeq, mentions } = queued.entry;
    queued.inFlight = true;
    queued.entry = { ...queued.entry, attempts: queued.entry.attempts + 1 };
    this.changed();
    let message: Message;
    try {
      // Every transmission carries the same payload: a retry the server already stored is
      // recognised by its clientMsgId and answered with the stored message.
      message = await this.options.transmit({
        conversationId,
        content,
        clientMsgId,
        ...(replyToSeq === undefined ? {} : { replyToSeq }),
        ...(mentions === undefined ? {} : { mentions: [...mentions] }),
      });
    } catch (error) {
      if (epoch === this.epoch && this.queue.includes(queued)) {
        this.handleFailure(queued, asSocketError(error));
      }
      return;
    }
    this.probing = false;
    const stillQueued = this.queue.includes(queued);
    if (stillQueued) {
      queued.inFlight = false;
      queued.acked = true;
      queued.settle?.resolve(message);
      queued.settle = null;
    }
    if (this.options.deliver(message)) {
      if (stillQueued && this.queue.includes(queued)) {
        this.remove(queued);
        this.changed();
      }
    } else if (stillQueued) {
      this.awaitingRelease.set(clientMsgId, queued);
    }
    this.pump();
  }

  private handleFailure(queued: QueuedMessage, error: ParleySocketError): void {
    queued.inFlight = false;
    queued.entry = { ...queued.entry, lastError: error };
    if (FINAL_ERRORS.has(error.code)) {
      this.remove(queued);
      queued.settle?.reject(error);
    } else if (error.code === 'RATE_LIMITED') {
      // The server said when: not a failure of the message, so no attempt is counted.
      this.waitAtLeast(
        error.retryAfterMs ?? backoffDelay(queued.transientFailures, this.options.backoff),
      );
    } else if (++queued.transientFailures >= this.options.maxAttempts) {
      queued.entry = { ...queued.entry, status: 'failed' };
      queued.settle?.reject(error);
      queued.settle = null;
    } else {
      this.waitAtLeast(backoffDelay(queued.transientFailures - 1, this.options.backoff));
    }
    this.changed();
    this.pump();
  }

  private waitAtLeast(delayMs: number): void {
    this.probing = true;
    this.waitUntil = Math.max(this.waitUntil, Date.now() + delayMs);
  }

  private awaitSettle(queued: QueuedMessage): Promise<Message> {
    return new Promise((resolve, reject) => {
      queued.settle = { resolve, reject };
    });
  }

  private find(clientMsgId: string): QueuedMessage | undefined {
    return this.queue.find((queued) => queued.entry.clientMsgId === clientMsgId);
  }

  private remove(queued: QueuedMessage): void {
    this.queue.splice(this.queue.indexOf(queued), 1);
    this.awaitingRelease.delete(queued.entry.clientMsgId);
  }

  private changed(): void {
    this.snapshot = null;
    this.options.onChange();
  }

  private cancelWaitTimer(): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
  }
}

function asSocketError(error: unknown): ParleySocketError {
  return error instanceof ParleySocketError
    ? error
    : new ParleySocketError('INTERNAL', error instanceof Error ? error.message : String(error));
}
