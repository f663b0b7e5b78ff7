import type { Message, SyncedConversation } from '@parley/protocol';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { MessageLedger, type LedgerRelease, type SyncCursor } from './message-ledger.js';
import type { Outbox } from './outbox.js';
import type { CommandResult, SocketCommand } from './socket-commands.js';
import { ParleySocketError } from './socket-error.js';

/**
 * How long a gap in live messages (by seq) or live changes (by rev) may last before a sync
 * fills it. A node broadcasts its own messages to its sockets at once and its neighbours' a
 * Redis hop later, so in a busy conversation on several nodes seq N+1 often arrives a moment
 * before N: syncing at the first sight of a gap would make every socket of the node sync for
 * nothing. A publish that is really lost costs this much extra delay.
 */
export const GAP_SYNC_DELAY_MS = 100;
/** Extra sync rounds for gaps left after sync; past them, the gap is given up on. */
const MAX_GAP_SYNC_ROUNDS = 2;

type SyncAnswer = CommandResult<'sync'>;

export interface SyncLoopOptions {
  command: SocketCommand;
  /** Whether the socket is connected: a sync needs it. */
  isConnected: () => boolean;
  /** Where the ledger starts (cursors kept from an earlier run). */
  cursors?: readonly SyncCursor[];
  /** Messages per conversation and sync round (the server's default when undefined). */
  limit: number | undefined;
  backoff: BackoffOptions;
  /** Its confirmed entries leave right after the ledger released their messages. */
  outbox: Pick<Outbox, 'released' | 'forgetConversation'>;
  /** Messages the ledger released, in seq order per conversation. */
  onReleased: (messages: Message[]) => void;
  /** New states of messages released before (edited, deleted, reacted to), each once. */
  onUpdated: (messages: Message[]) => void;
  /** The user is no longer a member: the ledger and the outbox have forgotten the conversation. */
  onRemoved: (conversationId: string) => void;
  /** A sync finished with nothing left to fetch: the client is caught up (`connected`). */
  onCaughtUp: () => void;
}

/**
 * Brings the client up to date after every (re)connection and whenever live messages leave a
 * gap or the server asks for a `resync`, and merges everything (live, synced, sent) through the
 * ledger, which releases each message once and in order. The user's own messages reach the app
 * this way only: a confirmed one behind a gap waits like any other, and its outbox entry stays
 * until then, so the app shows it all along, once, and in its place.
 */
export class SyncLoop {
  private ledger: MessageLedger;
  private syncing = false;
  private syncAgain = false;
  /** Bumped on every start and stop: a sync begun for an earlier connection stops. */
  private run = 0;
  private syncRetryTimer: ReturnType<typeof setTimeout> | null = null;
  private gapSyncTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: SyncLoopOptions) {
    this.ledger = new MessageLedger(options.cursors);
  }

  /** See {@link MessageLedger.cursors}. */
  cursors(): SyncCursor[] {
    return this.ledger.cursors();
  }

  /** The socket connected: sync from the cursors. */
  start(): void {
    this.run++;
    this.syncing = false;
    this.request();
  }

  /** The socket is gone: the running sync and its timers stop. */
  stop(): void {
    this.run++;
    this.syncing = false;
    for (const timer of [this.syncRetryTimer, this.gapSyncTimer]) {
      if (timer) clearTimeout(timer);
    }
    this.syncRetryTimer = null;
    this.gapSyncTimer = null;
  }

  /** Starts from nothing (another user signs in). */
  reset(): void {
    this.ledger = new MessageLedger();
  }

  /** Syncs now, or once more after the running sync (the server sent `resync`). */
  request(): void {
    if (!this.options.isConnected()) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    void this.synchronize(this.run);
  }

  /**
   * A message from `message:new`. A gap it reveals (its seq is not the last one's + 1, or its
   * rev not the last one's + 1) is synced unless it fills within {@link GAP_SYNC_DELAY_MS}: the
   * one before it may never come at all (a publish lost with Redis, a node that disconnected
   * this socket before it passed the message on). A sync running by then goes one round
   * further instead.
   */
  acceptLive(message: Message): void {
    this.hand(this.ledger.acceptLive(message, { syncing: this.syncing }));
    this.watchGapIn(message.conversationId);
  }

  /**
   * A message the server confirmed to this client's send, released like a live one. Answers
   * whether the app has it now (released, or earlier by its live echo or a sync); if not, the
   * outbox keeps its entry until the release (see `OutboxOptions.deliver`).
   */
  acceptSent(message: Message): boolean {
    this.acceptLive(message);
    return this.ledger.isReleased(message);
  }

  /**
   * A changed message, from `message:updated` or the ack of this client's own change: handed on
   * if it is newer than what the app has; a gap in revs it reveals is synced like a seq gap.
   */
  acceptChange(message: Message): void {
    const updated = this.ledger.acceptChange(message, { syncing: this.syncing });
    if (updated.length > 0) this.options.onUpdated(updated);
    this.watchGapIn(message.conversationId);
  }

  /** The user is no longer a member of the conversation. */
  forget(conversationId: string): void {
    this.ledger.forget(conversationId);
    this.options.outbox.forgetConversation(conversationId);
    this.options.onRemoved(conversationId);
  }

  /**
   * Syncs until caught up: again while a conversation `hasMore` (and its seq cursor moved) or
   * `hasMoreUpdated` (and its rev cursor moved), while gaps remain (a few rounds), and when a
   * `resync` came in meanwhile.
   */
  private async synchronize(run: number): Promise<void> {
    this.syncing = true;
    let failures = 0;
    let gapRounds = 0;
    for (;;) {
      this.syncAgain = false;
      const cursorsBefore = new Map(
        this.ledger.cursors().map((cursor) => [cursor.conversationId, cursor]),
      );
      let answer: SyncAnswer;
      try {
        answer = await this.options.command('sync', {
          cursors: [...cursorsBefore.values()],
          ...(this.options.limit === undefined ? {} : { limit: this.options.limit }),
        });
      } catch (error) {
        if (run !== this.run) return;
        const delayMs =
          error instanceof ParleySocketError && error.retryAfterMs !== undefined
            ? error.retryAfterMs
            : backoffDelay(failures++, this.options.backoff);
        await new Promise<void>((resume) => {
          this.syncRetryTimer = setTimeout(resume, delayMs);
        });
        if (run !== this.run) return;
        continue;
      }
      if (run !== this.run) return;
      failures = 0;
      this.merge(answer);
      const advanced = answer.conversations.some((synced) =>
        this.cursorMoved(synced, cursorsBefore.get(synced.conversationId)),
      );
      const retryGaps = !advanced && this.ledger.hasGaps() && gapRounds++ < MAX_GAP_SYNC_ROUNDS;
      if (!advanced && !retryGaps && !this.syncAgain) break;
    }
    this.hand(this.ledger.releaseHeldBack());
    this.syncing = false;
    this.options.onCaughtUp();
    // Revs seen during the last round above ones still on their way: sync if they stay missing.
    this.watchGaps();
  }

  private merge(answer: SyncAnswer): void {
    for (const synced of answer.conversations) {
      this.hand(this.ledger.acceptSynced(synced.conversationId, synced));
    }
    for (const conversationId of answer.removed) this.forget(conversationId);
  }

  /** Whether a conversation that had more to bring got further, so another round is worth it. */
  private cursorMoved(synced: SyncedConversation, before: SyncCursor | undefined): boolean {
    if (!synced.hasMore && !synced.hasMoreUpdated) return false;
    const after = this.ledger
      .cursors()
      .find((cursor) => cursor.conversationId === synced.conversationId);
    if (after === undefined) return false;
    const seqMoved = synced.hasMore && after.seq > (before?.seq ?? -1);
    const revMoved = synced.hasMoreUpdated && (after.rev ?? -1) > (before?.rev ?? -1);
    return seqMoved || revMoved;
  }

  /** A gap just seen in the conversation: sync if it lasts {@link GAP_SYNC_DELAY_MS}. */
  private watchGapIn(conversationId: string): void {
    if (this.ledger.hasGapIn(conversationId)) this.armGapTimer();
  }

  private watchGaps(): void {
    if (this.ledger.hasGaps()) this.armGapTimer();
  }

  private armGapTimer(): void {
    if (this.gapSyncTimer) return;
    this.gapSyncTimer = setTimeout(() => {
      this.gapSyncTimer = null;
      if (this.ledger.hasGaps()) this.request();
    }, GAP_SYNC_DELAY_MS);
  }

  private hand({ released, updated }: LedgerRelease): void {
    if (released.length > 0) {
      this.options.onReleased(released);
      this.options.outbox.released(released);
    }
    if (updated.length > 0) this.options.onUpdated(updated);
  }
}
