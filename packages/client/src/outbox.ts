import type { Message, SendMessagePayload } from '@parley/protocol';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { ParleySocketError } from './socket-error.js';

/** A message the server has not confirmed yet, as the app sees it (for a "pending" UI). */
export interface OutboxEntry {
  readonly clientMsgId: string;
  readonly conversationId: string;
  readonly content: string;
  /** `pending`: queued or on its way; `failed`: gave up, waits for `retrySend` or `cancelSend`. */
  readonly status: 'pending' | 'failed';
  /** How many times it was transmitted. */
  readonly attempts: number;
  readonly lastError: ParleySocketError | null;
  readonly queuedAt: string;
}

export interface OutboxOptions {
  /** Emits `message:send` and resolves with the stored message; rejects with a ParleySocketError. */
  transmit: (payload: SendMessagePayload) => Promise<Message>;
  /** Called with every message the server confirmed. */
  onSent: (message: Message) => void;
  /** Called whenever the entries changed. */
  onChange: () => void;
  backoff: BackoffOptions;
  /** Transmissions that end in UNAVAILABLE, INTERNAL or a timeout before an entry is `failed`. */
  maxAttempts: number;
}

interface QueuedMessage {
  entry: Mutable<OutboxEntry>;
  /** Consecutive transient failures, for the backoff and `maxAttempts`. */
  transientFailures: number;
  inFlight: boolean;
  settle: {
    resolve: (message: Message) => void;
    reject: (error: ParleySocketError) => void;
  } | null;
}

type Mutable<T> = { -readonly [Key in keyof T]: T[Key] };

/** The server will answer the same again: retrying cannot help. */
const FINAL_ERRORS = new Set(['VALIDATION', 'NOT_FOUND', 'FORBIDDEN']);

/**
 * Messages waiting for the server's ack, in the order they were sent. While online, entries are
 * transmitted back to back (the server assigns seqs in the order one socket sends); after a
 * failure the outbox waits (the server's `retryAfterMs`, or a backoff) and then probes with the
 * oldest entry alone before it sends the rest. Going offline keeps every entry; going online
 * again resends them in their original order with the same `clientMsgId`, which the server
 * deduplicates.
 */
export class Outbox {
  private readonly queue: QueuedMessage[] = [];
  private online = false;
  /** Bumped when going offline: an answer to an earlier transmission is void. */
  private epoch = 0;
  private waitUntil = 0;
  private waitTimer: ReturnType<typeof setTimeout> | null = null;
  /** After a failure: one transmission at a time until one succeeds. */
  private probing = false;

  constructor(private readonly options: OutboxOptions) {}

  get entries(): OutboxEntry[] {
    return this.queue.map((queued) => ({ ...queued.entry }));
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
      settle: null,
    };
    const sent = this.awaitSettle(queued);
    this.queue.push(queued);
    this.options.onChange();
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
    queued.entry.status = 'pending';
    queued.transientFailures = 0;
    const sent = this.awaitSettle(queued);
    this.options.onChange();
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
    this.options.onChange();
    return true;
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
    for (const queued of dropped) queued.settle?.reject(error);
    if (dropped.length > 0) this.options.onChange();
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
      if (queued.entry.status !== 'pending' || queued.inFlight) continue;
      void this.transmit(queued);
      if (this.probing) return;
    }
  }

  private async transmit(queued: QueuedMessage): Promise<void> {
    const epoch = this.epoch;
    const { clientMsgId, conversationId, content } = queued.entry;
    queued.inFlight = true;
    queued.entry.attempts++;
    this.options.onChange();
    let message: Message;
    try {
      message = await this.options.transmit({ conversationId, content, clientMsgId });
    } catch (error) {
      if (epoch === this.epoch && this.queue.includes(queued)) {
        this.handleFailure(queued, asSocketError(error));
      }
      return;
    }
    this.probing = false;
    if (this.queue.includes(queued)) {
      this.remove(queued);
      queued.settle?.resolve(message);
      this.options.onChange();
    }
    this.options.onSent(message);
    this.pump();
  }

  private handleFailure(queued: QueuedMessage, error: ParleySocketError): void {
    queued.inFlight = false;
    queued.entry.lastError = error;
    if (FINAL_ERRORS.has(error.code)) {
      this.remove(queued);
      queued.settle?.reject(error);
    } else if (error.code === 'RATE_LIMITED') {
      // The server said when: not a failure of the message, so no attempt is counted.
      this.waitAtLeast(
        error.retryAfterMs ?? backoffDelay(queued.transientFailures, this.options.backoff),
      );
    } else if (++queued.transientFailures >= this.options.maxAttempts) {
      queued.entry.status = 'failed';
      queued.settle?.reject(error);
      queued.settle = null;
    } else {
      this.waitAtLeast(backoffDelay(queued.transientFailures - 1, this.options.backoff));
    }
    this.options.onChange();
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
