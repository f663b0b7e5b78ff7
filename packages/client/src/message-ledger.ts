import type { Message } from '@parley/protocol';

/** "The client holds every message of this conversation up to `seq`": what `sync` resumes from. */
export interface SyncCursor {
  conversationId: string;
  seq: number;
}

interface ConversationLedger {
  /**
   * Every message up to this seq has been released to the app. Null while unknown: for a
   * conversation first seen during a sync, the sync answer decides where its history starts.
   */
  releasedSeq: number | null;
  /** Messages above a gap, held back until the gap fills or the caller gives up on it. */
  heldBack: Map<number, Message>;
}

/**
 * Decides which messages reach the app: each `(conversationId, seq)` exactly once, in `seq`
 * order per conversation. Messages arrive from three sources that overlap (live `message:new`,
 * `sync` answers, send acks) and in any order; a message behind a gap is held back until the
 * missing ones arrive, because `seq` has no gaps on the server.
 * @example
 * const ledger = new MessageLedger([{ conversationId, seq: 10 }]);
 * ledger.acceptLive(message12, { syncing: false }); // [] (11 is missing)
 * ledger.acceptLive(message11, { syncing: false }); // [message11, message12]
 */
export class MessageLedger {
  private readonly conversations = new Map<string, ConversationLedger>();

  constructor(cursors: readonly SyncCursor[] = []) {
    for (const cursor of cursors) {
      this.conversations.set(cursor.conversationId, {
        releasedSeq: cursor.seq,
        heldBack: new Map(),
      });
    }
  }

  /**
   * A message from a live event or a send ack; returns the messages it releases, in order.
   * The first message of an unknown conversation starts its history, unless a sync is running:
   * then the sync answer, which may bring earlier messages, decides.
   */
  acceptLive(message: Message, options: { syncing: boolean }): Message[] {
    let ledger = this.conversations.get(message.conversationId);
    if (!ledger) {
      ledger = { releasedSeq: options.syncing ? null : message.seq - 1, heldBack: new Map() };
      this.conversations.set(message.conversationId, ledger);
    }
    hold(ledger, message);
    return release(ledger);
  }

  /**
   * One conversation of a `sync` answer; returns the messages it releases, in order. For a
   * conversation the client did not list, the answer's oldest message starts its history.
   */
  acceptSynced(conversationId: string, messages: readonly Message[]): Message[] {
    let ledger = this.conversations.get(conversationId);
    if (!ledger) {
      ledger = { releasedSeq: null, heldBack: new Map() };
      this.conversations.set(conversationId, ledger);
    }
    if (ledger.releasedSeq === null) {
      const lowestSeq = Math.min(
        ...messages.map((message) => message.seq),
        ...ledger.heldBack.keys(),
      );
      ledger.releasedSeq = Number.isFinite(lowestSeq) ? lowestSeq - 1 : 0;
    }
    for (const message of messages) {
      if (message.conversationId === conversationId) hold(ledger, message);
    }
    return release(ledger);
  }

  /** Whether the message has been released (or passed over with a gap given up on). */
  isReleased(message: Message): boolean {
    const releasedSeq = this.conversations.get(message.conversationId)?.releasedSeq ?? null;
    return releasedSeq !== null && message.seq <= releasedSeq;
  }

  /**
   * Whether a message of the conversation waits behind a gap: its seq was not the last
   * released one's + 1. (A conversation whose start a running sync decides has no gap yet.)
   */
  hasGapIn(conversationId: string): boolean {
    const ledger = this.conversations.get(conversationId);
    return ledger !== undefined && ledger.releasedSeq !== null && ledger.heldBack.size > 0;
  }

  /** Whether some message waits behind a gap (or for its conversation's start). */
  hasGaps(): boolean {
    for (const ledger of this.conversations.values()) {
      if (ledger.heldBack.size > 0) return true;
    }
    return false;
  }

  /**
   * Gives up on every gap: releases all held-back messages in seq order and moves on from
   * them. Called only after a sync that should have filled the gaps did not.
   */
  releaseHeldBack(): Message[] {
    const released: Message[] = [];
    for (const ledger of this.conversations.values()) {
      const held = [...ledger.heldBack.values()].sort((a, b) => a.seq - b.seq);
      ledger.heldBack.clear();
      for (const message of held) {
        if (ledger.releasedSeq !== null && message.seq <= ledger.releasedSeq) continue;
        released.push(message);
        ledger.releasedSeq = message.seq;
      }
    }
    return released;
  }

  /** The seq up to which the client holds every message, per conversation whose start is known. */
  cursors(): SyncCursor[] {
    const cursors: SyncCursor[] = [];
    for (const [conversationId, ledger] of this.conversations) {
      if (ledger.releasedSeq !== null) cursors.push({ conversationId, seq: ledger.releasedSeq });
    }
    return cursors;
  }

  /** Forgets a conversation the user no longer belongs to; returns whether it was known. */
  forget(conversationId: string): boolean {
    return this.conversations.delete(conversationId);
  }
}

function hold(ledger: ConversationLedger, message: Message): void {
  if (ledger.releasedSeq !== null && message.seq <= ledger.releasedSeq) return;
  if (!ledger.heldBack.has(message.seq)) ledger.heldBack.set(message.seq, message);
}

function release(ledger: ConversationLedger): Message[] {
  const released: Message[] = [];
  if (ledger.releasedSeq === null) return released;
  let next = ledger.heldBack.get(ledger.releasedSeq + 1);
  while (next) {
    ledger.heldBack.delete(next.seq);
    released.push(next);
    ledger.releasedSeq = next.seq;
    next = ledger.heldBack.get(next.seq + 1);
  }
  return released;
}
