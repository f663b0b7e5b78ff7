import type { Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { MessageLedger, type LedgerRelease, type SyncedMessages } from './message-ledger.js';

const conversationA = '00000000-0000-4000-8000-00000000000a';
const conversationB = '00000000-0000-4000-8000-00000000000b';

/** A message as sent: its rev is its seq unless given (messages and changes share revs). */
function message(conversationId: string, seq: number, rev = seq): Message {
  return {
    id: `${conversationId}-${seq}`,
    conversationId,
    seq,
    senderId: '00000000-0000-4000-8000-000000000001',
    clientMsgId: `client-${conversationId}-${seq}`,
    content: `message ${seq}`,
    type: 'text',
    createdAt: new Date(seq * 1000).toISOString(),
    rev,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    mentions: [],
    reactions: [],
    attachments: [],
  };
}

/** The state of message `seq` after an edit that took `rev`. */
function edited(conversationId: string, seq: number, rev: number): Message {
  return {
    ...message(conversationId, seq, rev),
    content: `message ${seq}, edited at rev ${rev}`,
    editedAt: new Date(rev * 1000).toISOString(),
  };
}

function answer(messages: Message[], rest: Partial<SyncedMessages> = {}): SyncedMessages {
  return { messages, hasMore: false, updated: [], hasMoreUpdated: false, ...rest };
}

const seqs = ({ released }: LedgerRelease) => released.map((shown) => shown.seq);
/** `seq@rev` of each state: which state of which message. */
const states = (messages: Message[]) => messages.map((state) => `${state.seq}@${state.rev}`);
const live = { syncing: false };
const syncing = { syncing: true };

describe('MessageLedger: messages by seq', () => {
  it('releases each seq once, whatever the source', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 0, rev: 0 }]);

    expect(seqs(sut.acceptLive(message(conversationA, 1), live))).toEqual([1]);
    expect(seqs(sut.acceptLive(message(conversationA, 1), live))).toEqual([]);
    const synced = [message(conversationA, 1), message(conversationA, 2)];
    expect(seqs(sut.acceptSynced(conversationA, answer(synced)))).toEqual([2]);
    expect(seqs(sut.acceptLive(message(conversationA, 2), live))).toEqual([]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 2, rev: 2 }]);
  });

  it('holds a live message behind a gap until sync fills the gap, then releases in order', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 10 }]);

    expect(seqs(sut.acceptLive(message(conversationA, 13), live))).toEqual([]);
    expect(sut.hasGaps()).toBe(true);
    // The cursor stays below the gap, so sync asks for the missing messages.
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 10, rev: 10 }]);

    const synced = [11, 12, 13].map((seq) => message(conversationA, seq));
    expect(seqs(sut.acceptSynced(conversationA, answer(synced)))).toEqual([11, 12, 13]);
    expect(sut.hasGaps()).toBe(false);
  });

  it('tells in which conversation a live message revealed a gap', () => {
    const sut = new MessageLedger([
      { conversationId: conversationA, seq: 10, rev: 10 },
      { conversationId: conversationB, seq: 3, rev: 3 },
    ]);

    sut.acceptLive(message(conversationA, 11), live);
    expect(sut.hasGapIn(conversationA)).toBe(false);
    sut.acceptLive(message(conversationA, 13), live);
    expect(sut.hasGapIn(conversationA)).toBe(true);
    expect(sut.hasGapIn(conversationB)).toBe(false);
    sut.acceptLive(message(conversationA, 12), live);
    expect(sut.hasGapIn(conversationA)).toBe(false);
  });

  it('sees no gap in a conversation whose start a running sync decides', () => {
    const sut = new MessageLedger();
    sut.acceptLive(message(conversationA, 57), syncing);
    expect(sut.hasGapIn(conversationA)).toBe(false);
    expect(sut.hasGaps()).toBe(true);
  });

  it('drops messages at or below a cursor kept from an earlier run', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 5, rev: 5 }]);
    const synced = [4, 5, 6].map((seq) => message(conversationA, seq));
    const outcome = sut.acceptSynced(conversationA, answer(synced));
    expect(seqs(outcome)).toEqual([6]);
    expect(outcome.updated).toEqual([]);
  });

  it('starts an unknown conversation at its first live message outside a sync', () => {
    const sut = new MessageLedger();
    expect(seqs(sut.acceptLive(message(conversationA, 57, 80), live))).toEqual([57]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 57, rev: 80 }]);
  });

  it('lets the sync answer decide where an unknown conversation starts during a sync', () => {
    const sut = new MessageLedger();
    // Live message 8 overtakes the sync answer that brings 6..7.
    expect(seqs(sut.acceptLive(message(conversationA, 8), syncing))).toEqual([]);
    expect(sut.cursors()).toEqual([]);

    const synced = [6, 7].map((seq) => message(conversationA, seq));
    expect(seqs(sut.acceptSynced(conversationA, answer(synced)))).toEqual([6, 7, 8]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 8, rev: 8 }]);
  });

  it('starts an unlisted conversation with no messages at seq 0 and rev 0', () => {
    const sut = new MessageLedger();
    expect(sut.acceptSynced(conversationB, answer([]))).toEqual({ released: [], updated: [] });
    expect(sut.cursors()).toEqual([{ conversationId: conversationB, seq: 0, rev: 0 }]);
  });

  it('gives up on gaps on request: releases what is held, in order, once', () => {
    const sut = new MessageLedger([
      { conversationId: conversationA, seq: 1, rev: 1 },
      { conversationId: conversationB, seq: 1, rev: 1 },
    ]);
    sut.acceptLive(message(conversationA, 5), live);
    sut.acceptLive(message(conversationA, 3), live);
    sut.acceptLive(message(conversationB, 4), live);

    expect(
      sut.releaseHeldBack().released.map((released) => [released.conversationId, released.seq]),
    ).toEqual([
      [conversationA, 3],
      [conversationA, 5],
      [conversationB, 4],
    ]);
    expect(seqs(sut.acceptLive(message(conversationA, 4), live))).toEqual([]);
    expect(seqs(sut.acceptLive(message(conversationA, 6), live))).toEqual([6]);
  });

  it('releases the held messages of a conversation whose start never came', () => {
    const sut = new MessageLedger();
    sut.acceptLive(message(conversationA, 9), syncing);
    expect(seqs(sut.releaseHeldBack())).toEqual([9]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 9, rev: 9 }]);
  });

  it('forgets a removed conversation', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 3 }]);
    expect(sut.forget(conversationA)).toBe(true);
    expect(sut.forget(conversationA)).toBe(false);
    expect(sut.cursors()).toEqual([]);
  });
});

describe('MessageLedger: changes by rev', () => {
  const at10 = () => new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 10 }]);

  it('hands on each newer state of a released message once, out of order or not', () => {
    const sut = at10();

    expect(states(sut.acceptChange(edited(conversationA, 4, 12), live))).toEqual(['4@12']);
    // Rev 11, a change of the same message before 12, arrives late: older, dropped.
    expect(sut.acceptChange(edited(conversationA, 4, 11), live)).toEqual([]);
    expect(sut.acceptChange(edited(conversationA, 4, 12), live)).toEqual([]);
    expect(states(sut.acceptChange(edited(conversationA, 4, 13), live))).toEqual(['4@13']);
    expect(sut.acceptChange(edited(conversationA, 4, 12), live)).toEqual([]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 10, rev: 13 }]);
  });

  it('drops a state at or below the rev cursor: the one released is at least as new', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 20 }]);
    expect(sut.acceptChange(edited(conversationA, 4, 19), live)).toEqual([]);
    expect(sut.acceptChange(edited(conversationA, 4, 20), live)).toEqual([]);
    expect(states(sut.acceptChange(edited(conversationA, 4, 21), live))).toEqual(['4@21']);
  });

  it('keeps a change to a message not released yet, and releases the message in its newest state', () => {
    const sut = at10();

    // The edit (rev 13) of message 11 (sent at rev 11) overtakes it.
    expect(sut.acceptChange(edited(conversationA, 11, 13), live)).toEqual([]);
    const outcome = sut.acceptLive(message(conversationA, 11), live);
    expect(states(outcome.released)).toEqual(['11@13']);
    expect(outcome.released[0]!.editedAt).not.toBeNull();
    // The live event of rev 13 crossed the sync answer that already had it.
    expect(sut.acceptChange(edited(conversationA, 11, 13), live)).toEqual([]);
    expect(sut.acceptLive(message(conversationA, 11), live)).toEqual({ released: [], updated: [] });
  });

  it('keeps a change to a message behind a gap until the message is released', () => {
    const sut = at10();
    sut.acceptLive(message(conversationA, 12), live);
    expect(sut.acceptChange(edited(conversationA, 12, 14), live)).toEqual([]);
    // An older change of the same message arriving later does not replace it.
    expect(sut.acceptChange(edited(conversationA, 12, 13), live)).toEqual([]);

    const outcome = sut.acceptSynced(conversationA, answer([message(conversationA, 11)]));
    expect(states(outcome.released)).toEqual(['11@11', '12@14']);
    expect(outcome.updated).toEqual([]);
  });

  it('releases a synced message in the newest state, whichever came first', () => {
    const sut = at10();
    sut.acceptChange(edited(conversationA, 11, 15), live);
    // The answer was read before rev 15: its copy of 11 is older than the change kept.
    const older = sut.acceptSynced(conversationA, answer([edited(conversationA, 11, 14)]));
    expect(states(older.released)).toEqual(['11@15']);

    const other = at10();
    other.acceptChange(edited(conversationA, 11, 13), live);
    const newer = other.acceptSynced(conversationA, answer([edited(conversationA, 11, 14)]));
    expect(states(newer.released)).toEqual(['11@14']);
  });

  it('folds sync’s `updated` into released messages, once, and drops the live events it overlaps', () => {
    const sut = at10();
    const outcome = sut.acceptSynced(
      conversationA,
      answer([], { updated: [edited(conversationA, 2, 11), edited(conversationA, 5, 13)] }),
    );
    expect(states(outcome.updated)).toEqual(['2@11', '5@13']);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 10, rev: 13 }]);

    // The live events of revs 12 and 13 come after the answer: 5@12 is older, 5@13 the same.
    expect(sut.acceptChange(edited(conversationA, 5, 12), live)).toEqual([]);
    expect(sut.acceptChange(edited(conversationA, 5, 13), live)).toEqual([]);
    expect(sut.hasGaps()).toBe(false);
  });

  it('hands on a newer state that sync’s `messages` brings for a message released live meanwhile', () => {
    const sut = at10();
    sut.acceptLive(message(conversationA, 11), live);
    // The sync was asked from seq 10; 11 was edited (rev 12) before the answer was read.
    const outcome = sut.acceptSynced(conversationA, answer([edited(conversationA, 11, 12)]));
    expect(outcome.released).toEqual([]);
    expect(states(outcome.updated)).toEqual(['11@12']);
  });

  it('hands on changes in a conversation it does not know, outside a sync', () => {
    const sut = new MessageLedger();
    expect(states(sut.acceptChange(edited(conversationB, 3, 9), live))).toEqual(['3@9']);
    expect(sut.cursors()).toEqual([]);
  });

  it('during a sync, lets the answer say whether a change is to a message before the history', () => {
    const sut = new MessageLedger();
    sut.acceptChange(edited(conversationB, 3, 40), syncing);
    sut.acceptChange(edited(conversationB, 21, 42), syncing);

    const synced = [20, 21, 22].map((seq) => message(conversationB, seq, seq + 10));
    const outcome = sut.acceptSynced(conversationB, answer(synced));
    // 3 is before the history the answer starts: the app may hold it from REST.
    expect(states(outcome.updated)).toEqual(['3@40']);
    expect(states(outcome.released)).toEqual(['20@30', '21@42', '22@32']);
  });

  it('passes changes to messages before its history on as they are', () => {
    // First seen in this answer: its rev vouches for messages 20 on only.
    const sut = new MessageLedger();
    sut.acceptSynced(conversationB, answer([message(conversationB, 20, 50)]));
    expect(states(sut.acceptChange(edited(conversationB, 3, 45), live))).toEqual(['3@45']);
    expect(sut.acceptChange(edited(conversationB, 20, 49), live)).toEqual([]);
  });
});

describe('MessageLedger: the rev cursor', () => {
  const cursorOf = (sut: MessageLedger) => sut.cursors()[0];

  it('moves only through contiguous revs of live events, holding the ones above a gap', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 10 }]);

    sut.acceptChange(edited(conversationA, 2, 12), live);
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 10, rev: 10 });
    expect(sut.hasGapIn(conversationA)).toBe(true);

    sut.acceptLive(message(conversationA, 11, 13), live);
    sut.acceptChange(edited(conversationA, 4, 11), live);
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 11, rev: 13 });
    expect(sut.hasGapIn(conversationA)).toBe(false);
  });

  it('after an answer with everything: the highest rev of old cursor, messages and updated', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 10 }]);
    sut.acceptSynced(
      conversationA,
      answer([message(conversationA, 11, 14)], { updated: [edited(conversationA, 3, 16)] }),
    );
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 11, rev: 16 });
    // Revs 11-13 and 15 are invisible (overwritten), yet accounted for: no gap.
    expect(sut.hasGaps()).toBe(false);

    // An answer read before live events moved the cursor further does not move it back.
    sut.acceptChange(edited(conversationA, 3, 17), live);
    sut.acceptSynced(conversationA, answer([], { updated: [edited(conversationA, 3, 16)] }));
    expect(cursorOf(sut)?.rev).toBe(17);
  });

  it('with `hasMoreUpdated`: the highest rev of `updated` only, and the newer revs still count as seen', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 10 }]);
    sut.acceptSynced(
      conversationA,
      answer([message(conversationA, 11, 30)], {
        updated: [edited(conversationA, 2, 12), edited(conversationA, 3, 15)],
        hasMoreUpdated: true,
      }),
    );
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 11, rev: 15 });

    // The next round brings changes 16..29 (one of each visible) and rev 30 was seen already.
    sut.acceptSynced(conversationA, answer([], { updated: [edited(conversationA, 4, 29)] }));
    expect(cursorOf(sut)?.rev).toBe(30);
  });

  it('with `hasMore`: `updated` and `messages`, and live messages past the answer wait for the next one', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 10 }]);
    const first = sut.acceptSynced(
      conversationA,
      answer([message(conversationA, 11, 11), edited(conversationA, 12, 20)], {
        updated: [edited(conversationA, 5, 14)],
        hasMore: true,
      }),
    );
    expect(seqs(first)).toEqual([11, 12]);
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 12, rev: 20 });

    // Message 13 was sent at rev 16 and edited at rev 18, both before the answer was read,
    // and its live message:new arrives only now. Released as it is, it would show rev 16 while
    // the cursor claims rev 18: it waits for the next answer, which brings it as it is now.
    expect(seqs(sut.acceptLive(message(conversationA, 13, 16), live))).toEqual([]);
    expect(sut.hasGapIn(conversationA)).toBe(true);

    const next = sut.acceptSynced(conversationA, answer([edited(conversationA, 13, 18)]));
    expect(states(next.released)).toEqual(['13@18']);
    expect(sut.hasGapIn(conversationA)).toBe(false);
    // From here live messages flow again.
    expect(seqs(sut.acceptLive(message(conversationA, 14, 21), live))).toEqual([14]);
  });

  it('with `hasMore`: keeps the rev when live messages were released past the answer meanwhile', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 10 }]);
    // Asked from seq 10; 11 and 12 come live meanwhile, then 12 is edited (rev 14) and 11
    // (rev 15), and the answer, one message per round, is read after that.
    sut.acceptLive(message(conversationA, 11), live);
    sut.acceptLive(message(conversationA, 12), live);
    const outcome = sut.acceptSynced(
      conversationA,
      answer([edited(conversationA, 11, 15)], { hasMore: true }),
    );
    expect(states(outcome.updated)).toEqual(['11@15']);
    // The answer says nothing of 12, released as it was sent: rev 14 must still be asked for.
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 12, rev: 12 });

    const next = sut.acceptSynced(
      conversationA,
      answer([], { updated: [edited(conversationA, 12, 14), edited(conversationA, 11, 15)] }),
    );
    expect(states(next.updated)).toEqual(['12@14']);
    expect(cursorOf(sut)?.rev).toBe(15);
  });

  it('starts a first seen conversation’s rev below live messages the answer does not cover', () => {
    const sut = new MessageLedger();
    // Live 4 came before the answer (the conversation's latest two messages, 7 and 8); 4 was
    // edited (rev 9) while this client was away, so its state here is its first.
    sut.acceptLive(message(conversationB, 4, 4), syncing);
    const outcome = sut.acceptSynced(
      conversationB,
      answer([message(conversationB, 7, 10), message(conversationB, 8, 11)]),
    );
    expect(seqs(outcome)).toEqual([4]);
    expect(cursorOf(sut)).toEqual({ conversationId: conversationB, seq: 4, rev: 4 });
    expect(sut.hasGapIn(conversationB)).toBe(true);
  });

  it('starts the rev of a conversation first seen in a sync answer from that answer', () => {
    const sut = new MessageLedger();
    // A live change of the answer's last message crossed the answer: it counts once.
    sut.acceptChange(edited(conversationB, 41, 62), syncing);
    sut.acceptSynced(
      conversationB,
      answer([message(conversationB, 40, 55), edited(conversationB, 41, 61)]),
    );
    expect(cursorOf(sut)).toEqual({ conversationId: conversationB, seq: 41, rev: 62 });
  });

  it('learns the rev of a cursor kept without one from the first answer that brings messages', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10 }]);
    sut.acceptSynced(conversationA, answer([]));
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 10 });

    sut.acceptSynced(conversationA, answer([message(conversationA, 11, 25)]));
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 11, rev: 25 });
  });

  it('or from the first live message it releases, whichever comes first', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10 }]);
    expect(states(sut.acceptChange(edited(conversationA, 4, 20), live))).toEqual(['4@20']);
    // Its live echo after the ack: the same state, not news.
    expect(sut.acceptChange(edited(conversationA, 4, 20), live)).toEqual([]);
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 10 });

    sut.acceptLive(message(conversationA, 11, 25), live);
    expect(cursorOf(sut)).toEqual({ conversationId: conversationA, seq: 11, rev: 25 });
    // Message 4 came from the earlier run: its changes are handed on, the rev vouches not for it.
    expect(states(sut.acceptChange(edited(conversationA, 4, 21), live))).toEqual(['4@21']);
    expect(sut.acceptChange(message(conversationA, 11, 25), live)).toEqual([]);
  });

  it('does not pass over a rev gap when giving up on seq gaps', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10, rev: 10 }]);
    sut.acceptChange(edited(conversationA, 2, 12), live);
    sut.releaseHeldBack();
    expect(cursorOf(sut)?.rev).toBe(10);
    expect(sut.hasGaps()).toBe(true);
    // Rev 11 arrives late and is still news.
    expect(states(sut.acceptChange(edited(conversationA, 3, 11), live))).toEqual(['3@11']);
    expect(cursorOf(sut)?.rev).toBe(12);
  });
});
