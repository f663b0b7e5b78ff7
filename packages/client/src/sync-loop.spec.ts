import type { Message, SendMessagePayload, SyncedConversation } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Outbox } from './outbox.js';
import type { SocketCommand } from './socket-commands.js';
import { GAP_SYNC_DELAY_MS, SyncLoop } from './sync-loop.js';

const conversationId = '00000000-0000-4000-8000-00000000000a';
const ownUserId = '00000000-0000-4000-8000-000000000001';
const peerId = '00000000-0000-4000-8000-000000000002';
const backoff = { initialDelayMs: 100, maxDelayMs: 1000, randomizationFactor: 0 };

function stored(seq: number, senderId: string, clientMsgId = `client-${seq}`): Message {
  return {
    id: `id-${seq}`,
    conversationId,
    seq,
    senderId,
    clientMsgId,
    content: `message ${seq}`,
    type: 'text',
    createdAt: new Date(seq * 1000).toISOString(),
    rev: seq,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    mentions: [],
    reactions: [],
    attachments: [],
  };
}

/** Message `seq` after an edit that took `rev`. */
function edited(seq: number, rev: number): Message {
  return { ...stored(seq, peerId), rev, content: `edited at ${rev}`, editedAt: 'x' };
}

function synced(
  messages: Message[],
  rest: Partial<Omit<SyncedConversation, 'conversationId'>> = {},
): SyncedConversation {
  return { conversationId, messages, hasMore: false, updated: [], hasMoreUpdated: false, ...rest };
}

const states = (messages: Message[]) => messages.map((state) => `${state.seq}@${state.rev}`);

interface PendingCall<Payload, Answer> {
  payload: Payload;
  resolve: (answer: Answer) => void;
}

let syncs: PendingCall<unknown, { conversations: SyncedConversation[]; removed: string[] }>[];
let transmissions: PendingCall<SendMessagePayload, Message>[];
/** What the app saw at each `message`: the seq, and the outbox right then. */
let shown: { seq: number; outbox: string[] }[];
let removed: string[];
/** What the app saw at each `messageUpdated`. */
let updatedStates: Message[];
let outbox: Outbox;
let sut: SyncLoop;

const outboxIds = () => outbox.entries.map((entry) => entry.clientMsgId);

beforeEach(() => {
  vi.useFakeTimers();
  syncs = [];
  transmissions = [];
  shown = [];
  removed = [];
  updatedStates = [];
  // Only `sync` goes through it here: the outbox's transmissions are answered below.
  const command = ((event: string, payload: unknown) =>
    new Promise<unknown>((resolve) => {
      if (event === 'sync') {
        syncs.push({ payload, resolve: (answer) => resolve({ ok: true, ...answer }) });
      }
    })) as SocketCommand;
  outbox = new Outbox({
    transmit: (payload) => new Promise((resolve) => transmissions.push({ payload, resolve })),
    // Wired as ParleyClient wires them.
    deliver: (message) => sut.acceptSent(message),
    onChange: () => undefined,
    backoff,
    maxAttempts: 3,
  });
  sut = new SyncLoop({
    command,
    isConnected: () => true,
    cursors: [{ conversationId, seq: 10, rev: 10 }],
    limit: undefined,
    backoff,
    outbox,
    onReleased: (messages) => {
      for (const message of messages) shown.push({ seq: message.seq, outbox: outboxIds() });
    },
    onUpdated: (messages) => updatedStates.push(...messages),
    onRemoved: (id) => removed.push(id),
    onCaughtUp: () => outbox.resume(),
  });
  outbox.resume();
});

afterEach(() => {
  sut.stop();
  outbox.suspend();
  vi.useRealTimers();
});

describe('SyncLoop: a gap in live messages', () => {
  it('syncs from below a gap that lasts, and releases the missing message before the one after it', async () => {
    sut.acceptLive(stored(11, peerId));
    expect(syncs).toEqual([]);

    // 12 never came live (a lost publish, a node that went away): 13 reveals it.
    sut.acceptLive(stored(13, peerId));
    await vi.advanceTimersByTimeAsync(GAP_SYNC_DELAY_MS - 1);
    expect(syncs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(syncs.map((sync) => sync.payload)).toEqual([
      { cursors: [{ conversationId, seq: 11, rev: 11 }] },
    ]);
    expect(shown.map((entry) => entry.seq)).toEqual([11]);

    syncs[0]!.resolve({
      conversations: [
        {
          conversationId,
          messages: [stored(12, peerId), stored(13, peerId)],
          hasMore: false,
          updated: [],
          hasMoreUpdated: false,
        },
      ],
      removed: [],
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(shown.map((entry) => entry.seq)).toEqual([11, 12, 13]);
    expect(sut.cursors()).toEqual([{ conversationId, seq: 13, rev: 13 }]);
    expect(syncs).toHaveLength(1);
  });

  it('costs no sync when the message before arrives within the delay (crossing from another node)', async () => {
    sut.acceptLive(stored(11, peerId));
    sut.acceptLive(stored(13, peerId));
    await vi.advanceTimersByTimeAsync(GAP_SYNC_DELAY_MS / 2);
    sut.acceptLive(stored(12, peerId));
    await vi.advanceTimersByTimeAsync(GAP_SYNC_DELAY_MS);
    expect(syncs).toEqual([]);
    expect(shown.map((entry) => entry.seq)).toEqual([11, 12, 13]);
  });

  it('starts no second sync while one runs: that one goes a round further for the gap', async () => {
    sut.request();
    sut.acceptLive(stored(12, peerId));
    await vi.advanceTimersByTimeAsync(GAP_SYNC_DELAY_MS);
    expect(syncs).toHaveLength(1);

    // The first answer was read before 11 and 12 were stored.
    syncs[0]!.resolve({ conversations: [], removed: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(syncs.map((sync) => sync.payload)).toEqual([
      { cursors: [{ conversationId, seq: 10, rev: 10 }] },
      { cursors: [{ conversationId, seq: 10, rev: 10 }] },
    ]);
    syncs[1]!.resolve({
      conversations: [
        {
          conversationId,
          messages: [stored(11, peerId), stored(12, peerId)],
          hasMore: false,
          updated: [],
          hasMoreUpdated: false,
        },
      ],
      removed: [],
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(shown.map((entry) => entry.seq)).toEqual([11, 12]);
    expect(syncs).toHaveLength(2);
  });
});

describe('SyncLoop: the own acked message', () => {
  it('is released in order once the gap before it fills, and its outbox entry stays until then', async () => {
    const sending = outbox.enqueue({ conversationId, content: 'mine', clientMsgId: 'mine' });
    transmissions[0]!.resolve(stored(12, ownUserId, 'mine'));

    // The send resolves at the ack, but 11 is missing: the message waits, the entry stays.
    expect((await sending).seq).toBe(12);
    expect(shown).toEqual([]);
    expect(outboxIds()).toEqual(['mine']);

    sut.acceptLive(stored(11, peerId));
    // Shown in seq order; when 12 shows, its entry is still there (no gap), and leaves right after.
    expect(shown).toEqual([
      { seq: 11, outbox: ['mine'] },
      { seq: 12, outbox: ['mine'] },
    ]);
    expect(outboxIds()).toEqual([]);

    // The live echo of the own message changes nothing.
    sut.acceptLive(stored(12, ownUserId, 'mine'));
    expect(shown.map((entry) => entry.seq)).toEqual([11, 12]);
  });

  it('is released by the sync that fills the gap, once, and never transmitted again', async () => {
    const sending = outbox.enqueue({ conversationId, content: 'mine', clientMsgId: 'mine' });
    transmissions[0]!.resolve(stored(12, ownUserId, 'mine'));
    await sending;

    // A reconnect meanwhile does not resend a confirmed message.
    outbox.suspend();
    outbox.resume();
    expect(transmissions).toHaveLength(1);

    // The ack revealed the gap: the sync went out when it had lasted.
    await vi.advanceTimersByTimeAsync(GAP_SYNC_DELAY_MS);
    expect(syncs.map((sync) => sync.payload)).toEqual([
      { cursors: [{ conversationId, seq: 10, rev: 10 }] },
    ]);
    syncs[0]!.resolve({
      conversations: [
        {
          conversationId,
          messages: [stored(11, peerId), stored(12, ownUserId, 'mine')],
          hasMore: false,
          updated: [],
          hasMoreUpdated: false,
        },
      ],
      removed: [],
    });
    await vi.advanceTimersByTimeAsync(0);

    expect(shown).toEqual([
      { seq: 11, outbox: ['mine'] },
      { seq: 12, outbox: ['mine'] },
    ]);
    expect(outboxIds()).toEqual([]);
    expect(sut.cursors()).toEqual([{ conversationId, seq: 12, rev: 12 }]);
  });

  it('is released at its live echo when that beats the ack, and leaves the outbox at the ack', async () => {
    const sending = outbox.enqueue({ conversationId, content: 'mine', clientMsgId: 'mine' });

    sut.acceptLive(stored(11, ownUserId, 'mine'));
    expect(shown).toEqual([{ seq: 11, outbox: ['mine'] }]);
    // Not confirmed yet: the entry stays, to be resent should the connection drop now.
    expect(outboxIds()).toEqual(['mine']);

    transmissions[0]!.resolve(stored(11, ownUserId, 'mine'));
    expect((await sending).seq).toBe(11);
    expect(outboxIds()).toEqual([]);
    expect(shown.map((entry) => entry.seq)).toEqual([11]);
  });

  it('is released at the ack when nothing is missing before it', async () => {
    const sending = outbox.enqueue({ conversationId, content: 'mine', clientMsgId: 'mine' });
    transmissions[0]!.resolve(stored(11, ownUserId, 'mine'));
    await sending;

    expect(shown).toEqual([{ seq: 11, outbox: ['mine'] }]);
    expect(outboxIds()).toEqual([]);
  });

  it('leaves the outbox with its conversation when the user is removed', async () => {
    const sending = outbox.enqueue({ conversationId, content: 'mine', clientMsgId: 'mine' });
    transmissions[0]!.resolve(stored(12, ownUserId, 'mine'));
    await sending;

    sut.forget(conversationId);
    expect(outboxIds()).toEqual([]);
    expect(removed).toEqual([conversationId]);
    expect(shown).toEqual([]);
  });
});

describe('SyncLoop: message changes', () => {
  it('hands each change on once, the newest state, whether live, acked or synced', async () => {
    sut.acceptChange(edited(4, 11));
    // The ack of the same change, and a late older state of the same message.
    sut.acceptChange(edited(4, 11));
    sut.acceptChange(edited(4, 9));
    expect(states(updatedStates)).toEqual(['4@11']);
    expect(sut.cursors()).toEqual([{ conversationId, seq: 10, rev: 11 }]);
    await vi.advanceTimersByTimeAsync(GAP_SYNC_DELAY_MS);
    expect(syncs).toEqual([]);
  });

  it('syncs from below a rev gap that lasts, and hands on the changes sync brings', async () => {
    sut.acceptChange(edited(4, 13));
    expect(states(updatedStates)).toEqual(['4@13']);
    await vi.advanceTimersByTimeAsync(GAP_SYNC_DELAY_MS);
    expect(syncs.map((sync) => sync.payload)).toEqual([
      { cursors: [{ conversationId, seq: 10, rev: 10 }] },
    ]);

    // Revs 11 and 12 were changes of message 2 (the second overwrote the first) and message 4.
    syncs[0]!.resolve({
      conversations: [synced([], { updated: [edited(2, 12), edited(4, 13)] })],
      removed: [],
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(states(updatedStates)).toEqual(['4@13', '2@12']);
    expect(sut.cursors()).toEqual([{ conversationId, seq: 10, rev: 13 }]);
    expect(syncs).toHaveLength(1);

    // The live events of revs 11 and 12 arrive late: nothing new.
    sut.acceptChange(edited(2, 11));
    sut.acceptChange(edited(2, 12));
    expect(states(updatedStates)).toEqual(['4@13', '2@12']);
  });

  it('syncs again while `hasMoreUpdated`, from the rev the last answer reached', async () => {
    sut.request();
    syncs[0]!.resolve({
      conversations: [
        synced([], { updated: [edited(2, 11), edited(3, 12)], hasMoreUpdated: true }),
      ],
      removed: [],
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(syncs.map((sync) => sync.payload)).toEqual([
      { cursors: [{ conversationId, seq: 10, rev: 10 }] },
      { cursors: [{ conversationId, seq: 10, rev: 12 }] },
    ]);
    syncs[1]!.resolve({ conversations: [synced([], { updated: [edited(5, 14)] })], removed: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(states(updatedStates)).toEqual(['2@11', '3@12', '5@14']);
    expect(syncs).toHaveLength(2);
  });

  it('releases a message whose change came first in its newest state, without a messageUpdated', async () => {
    sut.acceptChange(edited(11, 12));
    expect(updatedStates).toEqual([]);
    sut.acceptLive(stored(11, peerId));
    expect(shown.map((entry) => entry.seq)).toEqual([11]);
    expect(updatedStates).toEqual([]);
    expect(sut.cursors()).toEqual([{ conversationId, seq: 11, rev: 12 }]);
  });

  it('watches a rev gap left after a sync: one more sync if it does not fill', async () => {
    sut.request();
    // Rev 13 arrives while the answer, read before revs 11-13, is on its way.
    sut.acceptChange(edited(4, 13));
    syncs[0]!.resolve({ conversations: [synced([])], removed: [] });
    await vi.advanceTimersByTimeAsync(0);
    // The gap rounds find nothing either (11 and 12 are slow).
    for (const round of [1, 2]) {
      syncs[round]!.resolve({ conversations: [synced([])], removed: [] });
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(syncs).toHaveLength(3);
    expect(sut.cursors()).toEqual([{ conversationId, seq: 10, rev: 10 }]);

    await vi.advanceTimersByTimeAsync(GAP_SYNC_DELAY_MS);
    expect(syncs).toHaveLength(4);
    syncs[3]!.resolve({
      conversations: [synced([], { updated: [edited(2, 12), edited(4, 13)] })],
      removed: [],
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(sut.cursors()).toEqual([{ conversationId, seq: 10, rev: 13 }]);
  });
});
