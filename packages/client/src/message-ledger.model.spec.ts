import type { Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { MessageLedger, type SyncCursor, type SyncedMessages } from './message-ledger.js';

/**
 * The ledger against a model server, over random runs: messages and changes are written one
 * rev at a time; their live events reach the client in a shuffled order (a Redis hop), are lost
 * while it is disconnected, and cross sync answers read at any moment in between; acks repeat
 * some of them. After the run the client reconnects and syncs, and the view it built from
 * `released` and `updated` must be the server's, each change handed on only when newer.
 */

const conversationId = '00000000-0000-4000-8000-00000000000a';
const RUNS = Number(process.env.MODEL_RUNS ?? 300);
const STEPS = 80;

/** A small seeded generator (mulberry32): a failing run is replayed by its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function written(seq: number, rev: number): Message {
  return {
    id: `id-${seq}`,
    conversationId,
    seq,
    senderId: '00000000-0000-4000-8000-000000000001',
    clientMsgId: `client-${seq}`,
    content: `message ${seq} at rev ${rev}`,
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

/** The server of one conversation: every message as it is now. */
class ModelServer {
  readonly messages: Message[] = [];
  private lastRev = 0;

  send(): Message {
    const message = written(this.messages.length + 1, ++this.lastRev);
    this.messages.push(message);
    return message;
  }

  change(seq: number): Message {
    const message = written(seq, ++this.lastRev);
    this.messages[seq - 1] = message;
    return message;
  }

  /** The contract's sync answer, read now. */
  answer(cursor: SyncCursor | undefined, limit: number): SyncedMessages {
    if (!cursor) {
      const latest = this.messages.slice(-limit);
      return { messages: latest, hasMore: false, updated: [], hasMoreUpdated: false };
    }
    const after = this.messages.slice(cursor.seq);
    const changed =
      cursor.rev === undefined
        ? []
        : this.messages
            .slice(0, cursor.seq)
            .filter((message) => message.rev > cursor.rev!)
            .sort((a, b) => a.rev - b.rev);
    return {
      messages: after.slice(0, limit),
      hasMore: after.length > limit,
      updated: changed.slice(0, limit),
      hasMoreUpdated: changed.length > limit,
    };
  }
}

type LiveEvent = { kind: 'new' | 'updated'; message: Message };
/** A sync on its way: the cursor it was asked with, and its answer once the server read it. */
type PendingSync = { cursor: SyncCursor | undefined; answer: SyncedMessages | null };

function run(seed: number): void {
  const next = random(seed);
  const chance = (p: number) => next() < p;
  const pick = (n: number) => Math.floor(next() * n);
  const server = new ModelServer();
  const limit = 1 + pick(4);
  // Some history before the client first looks: a first sync decides where it starts.
  for (let i = pick(6); i > 0; i--) server.send();
  // How the client first knows the conversation: from a cursor kept with a rev, from its first
  // sync, from its first live message (it joined while connected), or from a cursor kept
  // without a rev (by a client from before revs).
  const start = (['cursor', 'sync', 'live', 'cursor without rev'] as const)[pick(4)]!;
  const sut = new MessageLedger(
    start === 'cursor'
      ? [{ conversationId, seq: 0, rev: 0 }]
      : start === 'cursor without rev'
        ? [{ conversationId, seq: 0 }]
        : [],
  );

  /** What the app shows, by seq, from the first seq released on. */
  const view = new Map<number, Message>();
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  const show = ({ released, updated }: { released: Message[]; updated: Message[] }) => {
    for (const message of released) {
      if (lastSeq !== null) expect(message.seq, `seed ${seed}: out of order`).toBe(lastSeq + 1);
      view.set(message.seq, message);
      firstSeq ??= message.seq;
      lastSeq = message.seq;
    }
    for (const message of updated) {
      // Before the history the client started with: the app does not hold it.
      if (firstSeq === null || message.seq < firstSeq) continue;
      const shown = view.get(message.seq);
      expect(shown, `seed ${seed}: a change of ${message.seq}, not released`).toBeDefined();
      expect(message.rev, `seed ${seed}: stale ${message.seq}`).toBeGreaterThan(shown!.rev);
      view.set(message.seq, message);
    }
  };

  let connected = true;
  let inFlight: LiveEvent[] = [];
  let sync = null as PendingSync | null;
  const syncing = () => sync !== null;
  const deliver = (event: LiveEvent) => {
    if (event.kind === 'new') show(sut.acceptLive(event.message, { syncing: syncing() }));
    else show({ released: [], updated: sut.acceptChange(event.message, { syncing: syncing() }) });
  };
  const requestSync = () => {
    sync = { cursor: sut.cursors()[0], answer: null };
  };
  const finishSync = () => {
    const answer = sync!.answer!;
    const before = sut.cursors()[0];
    show(sut.acceptSynced(conversationId, answer));
    const after = sut.cursors()[0];
    const moved =
      (answer.hasMore && (after?.seq ?? -1) > (before?.seq ?? -1)) ||
      (answer.hasMoreUpdated && (after?.rev ?? -1) > (before?.rev ?? -1));
    sync = null;
    if (moved) requestSync();
  };
  const publish = (event: LiveEvent) => {
    if (connected) inFlight.push(event);
    // The sender's ack repeats it (another route, another moment).
    if (connected && chance(0.2)) inFlight.push(event);
  };

  if (start !== 'live') requestSync();
  for (let step = 0; step < STEPS; step++) {
    const roll = next();
    if (roll < 0.25) {
      publish({ kind: 'new', message: server.send() });
    } else if (roll < 0.45 && server.messages.length > 0) {
      publish({ kind: 'updated', message: server.change(1 + pick(server.messages.length)) });
    } else if (roll < 0.75 && inFlight.length > 0) {
      // Events cross by a hop: any of the first few in flight comes next.
      const [event] = inFlight.splice(pick(Math.min(3, inFlight.length)), 1);
      deliver(event!);
    } else if (roll < 0.85 && sync) {
      if (!sync.answer) sync.answer = server.answer(sync.cursor, limit);
      else finishSync();
    } else if (roll < 0.9 && connected && !sync) {
      requestSync();
    } else if (roll < 0.95) {
      connected = !connected;
      inFlight = connected ? inFlight : [];
      sync = null;
      if (connected) requestSync();
    }
  }

  // Back online: everything in flight arrives, then sync runs until it has all, as after a
  // reconnect.
  connected = true;
  if (server.messages.length === 0) publish({ kind: 'new', message: server.send() });
  while (inFlight.length > 0) deliver(inFlight.splice(pick(inFlight.length), 1)[0]!);
  if (sync?.answer) finishSync();
  // Rounds go on while an answer had more, or while gaps remain (as SyncLoop's gap rounds):
  // nothing is in flight any more, so one answer fills them.
  for (let round = 0; round === 0 || (round <= 2 && sut.hasGaps()); round++) {
    requestSync();
    for (let answers = 0; sync; answers++) {
      expect(answers, `seed ${seed}: sync does not end`).toBeLessThan(100);
      sync.answer = server.answer(sync.cursor, limit);
      finishSync();
    }
  }
  show(sut.releaseHeldBack());

  expect(sut.hasGaps(), `seed ${seed}: a gap left`).toBe(false);
  const shown = [...view.values()].sort((a, b) => a.seq - b.seq);
  expect(shown, `seed ${seed}`).toEqual(server.messages.slice((firstSeq ?? 1) - 1));
  const lastRev = Math.max(...server.messages.map((message) => message.rev));
  expect(sut.cursors(), `seed ${seed}`).toEqual([
    { conversationId, seq: server.messages.length, rev: lastRev },
  ]);
}

describe('MessageLedger against a model server', () => {
  it(`folds ${RUNS} random runs of sends, changes, shuffled and lost live events and syncs into the server's state`, () => {
    for (let seed = 1; seed <= RUNS; seed++) run(seed);
  });
});
