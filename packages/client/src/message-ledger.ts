import type { Message, SyncedConversation } from '@parley/protocol';

/**
 * "The client holds every message of this conversation up to `seq`, and every change up to
 * `rev`": what `sync` resumes from. `rev` is left out while the client does not know it yet
 * (a cursor kept from a client without it): then sync brings no changes until it learns one.
 */
export interface SyncCursor {
  conversationId: string;
  seq: number;
  rev?: number;
}

/** One conversation of a `sync` answer, as far as the ledger reads it. */
export type SyncedMessages = Pick<
  SyncedConversation,
  'messages' | 'hasMore' | 'updated' | 'hasMoreUpdated'
>;

/** What one call hands on: messages to show for the first time, and new states of shown ones. */
export interface LedgerRelease {
  /** In seq order per conversation. */
  released: Message[];
  /** New states of messages released before (or older than the client's history). */
  updated: Message[];
}

interface ConversationLedger {
  /**
   * Every message up to this seq has been released to the app. Null while unknown: for a
   * conversation first seen during a sync, the sync answer decides where its history starts.
   */
  releasedSeq: number | null;
  /** Messages above a gap, held back until the gap fills or the caller gives up on it. */
  heldBack: Map<number, Message>;
  /**
   * The newest change heard of for a message not released yet, by seq: released with it, so
   * that its `message` event carries the newest state. Unlike `heldBack` it reveals no seq gap
   * and does not decide where history starts (it may be a reaction to a message from long ago).
   */
  changesAhead: Map<number, Message>;
  /**
   * The last sync answer had more messages than it brought (`hasMore`): its rev rules hold for
   * messages up to this seq only, so live messages above it wait for the next answer, which
   * brings their current state (see `applyRevRules`). Null: no such limit.
   */
  syncedThroughSeq: number | null;
  /**
   * Every rev up to this one is accounted for: for each released message from `coveredFromSeq`
   * on, the state released is at least as new as any change up to this rev. Null while unknown.
   */
  rev: number | null;
  /** Revs seen above `rev`, waiting for the revs below them, as `heldBack` does for seqs. */
  revsAbove: Set<number>;
  /**
   * Where `rev` starts to vouch for released messages. Changes to older messages (loaded from
   * REST, or released before `rev` was known) are handed on without that judgement.
   */
  coveredFromSeq: number;
  /**
   * The rev of the state released for messages whose state is newer than `rev`, by seq: an
   * older or equal state arriving later is dropped. Kept only above `rev` (or while it is
   * unknown), so it stays small.
   */
  releasedRevs: Map<number, number>;
}

/**
 * Decides which messages and message states reach the app: each `(conversationId, seq)` once,
 * in `seq` order per conversation, and after that only newer states of it, by `rev`. Messages
 * and changes arrive from overlapping sources (live `message:new` and `message:updated`, `sync`
 * answers, acks) and in any order; a message behind a gap is held back until the missing ones
 * arrive, because `seq` has no gaps on the server. `rev`, the conversation's counter of writes,
 * is tracked like `seq` so that `sync` brings every change missed (its `updated` list).
 * @example
 * const ledger = new MessageLedger([{ conversationId, seq: 10, rev: 14 }]);
 * ledger.acceptLive(message12, { syncing: false }); // { released: [] } (11 is missing)
 * ledger.acceptLive(message11, { syncing: false }); // { released: [message11, message12] }
 * ledger.acceptChange(editOf11, { syncing: false }); // [editOf11]
 * ledger.acceptChange(editOf11, { syncing: false }); // [] (not newer)
 */
export class MessageLedger {
  private readonly conversations = new Map<string, ConversationLedger>();

  constructor(cursors: readonly SyncCursor[] = []) {
    for (const cursor of cursors) {
      const ledger = newLedger(cursor.seq);
      if (cursor.rev !== undefined) {
        ledger.rev = cursor.rev;
        // The cursor vouches for every message up to its seq.
        ledger.coveredFromSeq = 0;
      }
      this.conversations.set(cursor.conversationId, ledger);
    }
  }

  /**
   * A message from a live event or a send ack; returns the messages it releases, in order (and,
   * for a message released before, its state if newer). The first message of an unknown conversation starts its history, unless a sync is running:
   * then the sync answer, which may bring earlier messages, decides.
   */
  acceptLive(message: Message, options: { syncing: boolean }): LedgerRelease {
    let ledger = this.conversations.get(message.conversationId);
    if (!ledger) {
      ledger = newLedger(options.syncing ? null : message.seq - 1);
      this.conversations.set(message.conversationId, ledger);
    }
    if (ledger.rev === null && ledger.releasedSeq === message.seq - 1) {
      // The first message the client releases while it knows no rev of the conversation. A
      // live message:new carries the message as it was sent, and the messages after it were
      // sent after it: none of them has a change older than its rev, so the rev starts there.
      ledger.coveredFromSeq = message.seq;
      raiseRev(ledger, message.rev - 1);
    }
    const outcome: LedgerRelease = { released: [], updated: [] };
    hold(ledger, message, outcome);
    outcome.released = release(ledger);
    seeRevs(ledger, [message.rev]);
    return outcome;
  }

  /**
   * A changed message (a live `message:updated`, or the ack of an own edit, delete or
   * reaction); returns it when it is news for the app: a state newer than the one released.
   * A change to a message not released yet waits for it (the release carries the newer state).
   * A change in a conversation the ledger does not know is handed on as it is.
   */
  acceptChange(message: Message, options: { syncing: boolean }): Message[] {
    let ledger = this.conversations.get(message.conversationId);
    if (!ledger) {
      if (!options.syncing) return [message];
      ledger = newLedger(null);
      this.conversations.set(message.conversationId, ledger);
    }
    const outcome: LedgerRelease = { released: [], updated: [] };
    holdChange(ledger, message, outcome);
    seeRevs(ledger, [message.rev]);
    return outcome.updated;
  }

  /**
   * One conversation of a `sync` answer; returns the messages it releases, in order, and the
   * new states of released ones (from `updated`, and from `messages` the client released live
   * while the answer was on its way). For a conversation the client did not list, the answer's
   * oldest message starts its history.
   */
  acceptSynced(conversationId: string, synced: SyncedMessages): LedgerRelease {
    let ledger = this.conversations.get(conversationId);
    if (!ledger) {
      ledger = newLedger(null);
      this.conversations.set(conversationId, ledger);
    }
    const outcome: LedgerRelease = { released: [], updated: [] };
    const messages = synced.messages.filter((message) => message.conversationId === conversationId);
    const updated = synced.updated.filter((message) => message.conversationId === conversationId);
    const firstSeen = ledger.releasedSeq === null;
    /** Live messages that start the history below the answer's first message. */
    let heldBelowAnswer: Message[] = [];
    if (ledger.releasedSeq === null) {
      const answerFirstSeq = Math.min(...messages.map((message) => message.seq));
      heldBelowAnswer = [...ledger.heldBack.values()].filter(
        (message) => message.seq < answerFirstSeq,
      );
      const lowestSeq = Math.min(answerFirstSeq, ...ledger.heldBack.keys());
      startHistory(ledger, Number.isFinite(lowestSeq) ? lowestSeq - 1 : 0, outcome);
    }
    const releasedBefore = ledger.releasedSeq ?? 0;
    // Judged against the rev known before this answer: its own revs count once it is applied.
    for (const message of updated) holdChange(ledger, message, outcome);
    for (const message of messages) hold(ledger, message, outcome);
    ledger.syncedThroughSeq = synced.hasMore
      ? Math.max(releasedBefore, ...messages.map((message) => message.seq))
      : null;
    applyRevRules(
      ledger,
      { ...synced, messages, updated },
      { firstSeen, releasedBefore, heldBelowAnswer },
    );
    outcome.released = release(ledger);
    return outcome;
  }

  /** Whether the message has been released (or passed over with a gap given up on). */
  isReleased(message: Message): boolean {
    const releasedSeq = this.conversations.get(message.conversationId)?.releasedSeq ?? null;
    return releasedSeq !== null && message.seq <= releasedSeq;
  }

  /**
   * Whether the conversation has a gap: a message waits behind a missing seq (its seq was not
   * the last released one's + 1), or a rev was seen above a missing one. (A conversation whose
   * start a running sync decides has no gap yet.)
   */
  hasGapIn(conversationId: string): boolean {
    const ledger = this.conversations.get(conversationId);
    return ledger !== undefined && hasGap(ledger);
  }

  /** Whether some conversation has a gap, or waits for its start. */
  hasGaps(): boolean {
    for (const ledger of this.conversations.values()) {
      if (ledger.heldBack.size > 0 || hasGap(ledger)) return true;
    }
    return false;
  }

  /**
   * Gives up on every seq gap: releases all held-back messages in seq order and moves on from
   * them. Called only after a sync that should have filled the gaps did not. Rev gaps stay:
   * each sync answer that brings everything closes them (see `applyRevRules`), and a rev a
   * later live event brings must not be passed over.
   */
  releaseHeldBack(): LedgerRelease {
    const outcome: LedgerRelease = { released: [], updated: [] };
    for (const [conversationId, ledger] of this.conversations) {
      ledger.syncedThroughSeq = null;
      if (ledger.releasedSeq !== null && ledger.heldBack.size === 0) continue;
      if (ledger.releasedSeq === null) {
        if (ledger.heldBack.size === 0) {
          // Only changes heard of, for a conversation no sync answer described: hand them on,
          // and let the next message:new start it afresh.
          outcome.updated.push(...ledger.changesAhead.values());
          this.conversations.delete(conversationId);
          continue;
        }
        startHistory(ledger, Math.min(...ledger.heldBack.keys()) - 1, outcome);
      }
      // The changes of messages passed over go with them: they are whole states too.
      const lastHeldSeq = Math.max(...ledger.heldBack.keys());
      const held = new Map<number, Message>();
      for (const [seq, change] of ledger.changesAhead) {
        if (seq > lastHeldSeq) continue;
        held.set(seq, change);
        ledger.changesAhead.delete(seq);
      }
      for (const [seq, message] of ledger.heldBack) held.set(seq, newer(held.get(seq), message));
      ledger.heldBack.clear();
      const states = [...held.values()].sort((a, b) => a.seq - b.seq);
      if (ledger.rev === null && states.length > 0) {
        ledger.coveredFromSeq = ledger.releasedSeq! + 1;
        raiseRev(ledger, Math.min(...states.map((message) => message.rev)) - 1);
      }
      for (const message of states) {
        outcome.released.push(message);
        noteReleased(ledger, message);
        ledger.releasedSeq = message.seq;
      }
      seeRevs(ledger, []);
    }
    return outcome;
  }

  /**
   * The seq up to which the client holds every message, and the rev up to which it holds every
   * change, per conversation whose start is known.
   */
  cursors(): SyncCursor[] {
    const cursors: SyncCursor[] = [];
    for (const [conversationId, ledger] of this.conversations) {
      if (ledger.releasedSeq === null) continue;
      cursors.push(
        ledger.rev === null
          ? { conversationId, seq: ledger.releasedSeq }
          : { conversationId, seq: ledger.releasedSeq, rev: ledger.rev },
      );
    }
    return cursors;
  }

  /** Forgets a conversation the user no longer belongs to; returns whether it was known. */
  forget(conversationId: string): boolean {
    return this.conversations.delete(conversationId);
  }
}

function newLedger(releasedSeq: number | null): ConversationLedger {
  return {
    releasedSeq,
    heldBack: new Map(),
    changesAhead: new Map(),
    syncedThroughSeq: null,
    rev: null,
    revsAbove: new Set(),
    coveredFromSeq: releasedSeq === null ? Number.POSITIVE_INFINITY : releasedSeq + 1,
    releasedRevs: new Map(),
  };
}

/** The newer of two states of one message (by rev); `known` on a tie. */
function newer(known: Message | undefined, incoming: Message): Message {
  return known !== undefined && known.rev >= incoming.rev ? known : incoming;
}

function hasGap(ledger: ConversationLedger): boolean {
  if (ledger.releasedSeq === null) return false;
  return ledger.heldBack.size > 0 || (ledger.rev !== null && ledger.revsAbove.size > 0);
}

/**
 * Decides where the history of a conversation first seen during a sync starts. Changes heard of
 * for messages before that start are handed on as they are: the app may hold those messages
 * from REST.
 */
function startHistory(
  ledger: ConversationLedger,
  releasedSeq: number,
  outcome: LedgerRelease,
): void {
  ledger.releasedSeq = releasedSeq;
  ledger.coveredFromSeq = releasedSeq + 1;
  for (const [seq, change] of ledger.changesAhead) {
    if (seq > releasedSeq) continue;
    ledger.changesAhead.delete(seq);
    outcome.updated.push(change);
  }
}

/** A message (from message:new, an ack, or sync's `messages`): held for release, or a change. */
function hold(ledger: ConversationLedger, message: Message, outcome: LedgerRelease): void {
  if (ledger.releasedSeq !== null && message.seq <= ledger.releasedSeq) {
    // Released already: this copy may be a newer state (a sync answer read after a change).
    holdChange(ledger, message, outcome);
    return;
  }
  ledger.heldBack.set(message.seq, newer(ledger.heldBack.get(message.seq), message));
}

/** A message state from a change: handed on if newer than the released one, else kept ahead. */
function holdChange(ledger: ConversationLedger, message: Message, outcome: LedgerRelease): void {
  const { seq } = message;
  if (ledger.releasedSeq === null || seq > ledger.releasedSeq) {
    const known = ledger.changesAhead.get(seq);
    if (newer(known, message) !== known) ledger.changesAhead.set(seq, message);
    return;
  }
  const releasedRev = ledger.releasedRevs.get(seq);
  if (releasedRev !== undefined && message.rev <= releasedRev) return;
  // Without a kept rev, the released state is at least as new as every change up to `rev`.
  const covered = ledger.rev !== null && seq >= ledger.coveredFromSeq;
  if (releasedRev === undefined && covered && message.rev <= ledger.rev!) return;
  noteReleased(ledger, message);
  outcome.updated.push(message);
}

/** Remembers the rev of a state handed on, while `rev` does not vouch for it (yet). */
function noteReleased(ledger: ConversationLedger, message: Message): void {
  if (ledger.rev === null || message.rev > ledger.rev) {
    ledger.releasedRevs.set(message.seq, message.rev);
  }
}

/** Releases the held messages that follow the released ones without a gap, newest states. */
function release(ledger: ConversationLedger): Message[] {
  const released: Message[] = [];
  if (ledger.releasedSeq === null) return released;
  const limit = ledger.syncedThroughSeq ?? Number.POSITIVE_INFINITY;
  let next = ledger.heldBack.get(ledger.releasedSeq + 1);
  while (next && next.seq <= limit) {
    const state = newer(next, ledger.changesAhead.get(next.seq) ?? next);
    ledger.heldBack.delete(next.seq);
    ledger.changesAhead.delete(next.seq);
    released.push(state);
    noteReleased(ledger, state);
    ledger.releasedSeq = next.seq;
    next = ledger.heldBack.get(next.seq + 1);
  }
  return released;
}

/**
 * Counts revs as seen: any state of a message vouches for the rev it carries (it is that
 * message's state at that rev or later). `rev` then moves up through the seen revs that follow
 * it without a gap, as `releasedSeq` does through held messages.
 */
function seeRevs(ledger: ConversationLedger, revs: Iterable<number>): void {
  // Without a rev and outside a sync's start (a cursor kept without one), there is nothing to
  // move: the next sync answer or message:new gives it.
  if (ledger.rev === null && ledger.releasedSeq !== null) return;
  for (const rev of revs) {
    if (ledger.rev === null || rev > ledger.rev) ledger.revsAbove.add(rev);
  }
  if (ledger.rev === null) return;
  const before = ledger.rev;
  while (ledger.revsAbove.delete(ledger.rev + 1)) ledger.rev++;
  if (ledger.rev !== before) forgetBelow(ledger, ledger.rev);
}

/** Moves `rev` up to `rev` (never down; or sets it), dropping what it now vouches for. */
function raiseRev(ledger: ConversationLedger, rev: number): void {
  if (ledger.rev !== null && rev <= ledger.rev) return;
  ledger.rev = rev;
  forgetBelow(ledger, rev);
}

function forgetBelow(ledger: ConversationLedger, rev: number): void {
  for (const seen of ledger.revsAbove) {
    if (seen <= rev) ledger.revsAbove.delete(seen);
  }
  for (const [seq, releasedRev] of ledger.releasedRevs) {
    if (releasedRev <= rev) ledger.releasedRevs.delete(seq);
  }
}

/**
 * How far a sync answer moves `rev`. The answer was read at one moment; revs are taken in
 * commit order, so it holds the state of every message at that moment. `updated` brings the
 * messages up to the cursor's seq changed after the cursor's rev (ascending by rev, `limit` of
 * them); `messages` brings the messages after the cursor's seq in their current state.
 *
 * - Everything came (`hasMore` and `hasMoreUpdated` false): every change after the cursor's rev
 *   is in the answer, in the newest state of its message, so `rev` moves to the highest rev in
 *   it (that is the conversation's rev at that moment).
 * - `hasMoreUpdated`: changes above the last one of `updated` are still to come, so `rev`
 *   moves to the highest rev of `updated` only; the next round asks from there.
 * - `hasMore` alone: `updated` is complete, and `messages` are current states, so `rev` moves
 *   to the highest rev of both. The revs below it that the answer does not show belong to
 *   messages past the last one it brought; those are not released yet, and `syncedThroughSeq`
 *   makes them wait for the next answer, which brings their current state. (Released from a
 *   live message:new instead, such a message would show its first state while `rev` claims a
 *   later change of it.)
 * - With `hasMore`, when the client released messages past the answer's last one while the
 *   answer was on its way (the cursor it was asked with was lower), those were released in
 *   states the answer does not vouch for: `rev` stays, and the revs the answer shows count as
 *   seen; the next round, asked from the new cursors, brings the rest.
 *
 * A conversation first seen in this answer (or one whose cursor had no rev) starts from the
 * answer: its `rev` vouches only for the messages the answer brought and the ones after them.
 * Live messages that came before the answer and start the history below its first message
 * (the answer of an unlisted conversation brings its latest messages only) are as they were
 * sent, and a change of theirs may have been missed: `rev` starts below the first of them, and
 * the rev gap up to the answer's revs makes the next round fetch their changes.
 */
function applyRevRules(
  ledger: ConversationLedger,
  synced: SyncedMessages,
  context: { firstSeen: boolean; releasedBefore: number; heldBelowAnswer: readonly Message[] },
): void {
  const revsOf = (messages: readonly Message[]) => messages.map((message) => message.rev);
  const answerRevs = [...revsOf(synced.messages), ...revsOf(synced.updated)];
  if (ledger.rev === null) {
    if (context.heldBelowAnswer.length > 0) {
      ledger.coveredFromSeq = context.releasedBefore + 1;
      raiseRev(ledger, Math.min(...revsOf(context.heldBelowAnswer)) - 1);
    } else if (answerRevs.length > 0 || context.firstSeen) {
      ledger.coveredFromSeq = context.releasedBefore + 1;
      // A conversation the client did not list comes with its latest messages: with none, it
      // has none, and its first message will take its first rev.
      raiseRev(ledger, answerRevs.length > 0 ? Math.max(...answerRevs) : 0);
    }
  } else if (!synced.hasMore && !synced.hasMoreUpdated) {
    raiseRev(ledger, Math.max(...answerRevs));
  } else {
    const answerLastSeq = Math.max(...synced.messages.map((message) => message.seq));
    const releasedPastAnswer = synced.hasMore && context.releasedBefore > answerLastSeq;
    if (!releasedPastAnswer) {
      raiseRev(ledger, Math.max(...(synced.hasMoreUpdated ? revsOf(synced.updated) : answerRevs)));
    }
  }
  seeRevs(ledger, answerRevs);
}
