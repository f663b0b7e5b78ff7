import type { Message } from '@parley/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  addMessages,
  applyMessageUpdate,
  mergeMessages,
  messagesCache,
  resetMessagesCache,
  updateConversationMessages,
} from './messages-cache';

function message(seq: number): Message {
  return {
    id: `id-${seq}`,
    conversationId: 'c1',
    seq,
    senderId: 'ann',
    clientMsgId: `client-${seq}`,
    content: `message ${seq}`,
    type: 'text',
    createdAt: new Date(2025, 0, 1, 12, seq).toISOString(),
    rev: seq,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    mentions: [],
    reactions: [],
    attachments: [],
  };
}
const seqs = (messages: readonly Message[]) => messages.map((each) => each.seq);

describe('mergeMessages', () => {
  it('appends a newer message', () => {
    expect(seqs(mergeMessages([message(1), message(2)], [message(3)]))).toEqual([1, 2, 3]);
  });

  it('keeps one copy per seq whatever the order and overlap', () => {
    const merged = mergeMessages(
      [message(4), message(5)],
      [message(5), message(2), message(3), message(4), message(6)],
    );
    expect(seqs(merged)).toEqual([2, 3, 4, 5, 6]);
  });

  it('returns the same array when nothing is new (no re-render)', () => {
    const existing = [message(1), message(2)];
    expect(mergeMessages(existing, [message(2), message(1)])).toBe(existing);
    expect(mergeMessages(existing, [])).toBe(existing);
  });

  it('takes the state with the higher rev, whichever arrives first', () => {
    const edited = {
      ...message(2),
      rev: 7,
      content: 'fixed',
      editedAt: '2025-01-01T12:30:00.000Z',
    };
    const merged = mergeMessages([message(1), message(2), message(3)], [edited]);
    expect(merged.map((each) => each.content)).toEqual(['message 1', 'fixed', 'message 3']);
    // A stale page afterwards leaves the edit in place.
    expect(mergeMessages(merged, [message(2)])).toBe(merged);
  });
});

describe('applyMessageUpdate', () => {
  beforeEach(() => {
    resetMessagesCache();
    updateConversationMessages('c1', (state) => ({ ...state, loaded: true }));
    addMessages('c1', [message(1), message(2)]);
  });

  it('replaces a held message by its newer state', () => {
    applyMessageUpdate({
      ...message(2),
      rev: 5,
      content: '',
      deletedAt: '2025-01-01T13:00:00.000Z',
    });
    expect(messagesCache.get()['c1']!.messages[1]).toMatchObject({ content: '', rev: 5 });
  });

  it('leaves out a message not held: the page that loads it brings its latest state', () => {
    applyMessageUpdate({ ...message(9), rev: 12 });
    expect(seqs(messagesCache.get()['c1']!.messages)).toEqual([1, 2]);
  });
});

describe('addMessages', () => {
  beforeEach(() => {
    resetMessagesCache();
    updateConversationMessages('c1', (state) => ({
      ...state,
      fetchState: { ...state.fetchState, loading: true },
    }));
  });

  it('keeps nothing for a conversation that was never opened', () => {
    addMessages('c2', [message(1)]);
    expect(messagesCache.get().c2).toBeUndefined();
  });

  it('notes the start of the conversation once seq 1 is there', () => {
    addMessages('c1', [message(2)]);
    expect(messagesCache.get().c1?.fetchState.foundOldest).toBe(false);
    addMessages('c1', [message(1)]);
    expect(messagesCache.get().c1?.fetchState.foundOldest).toBe(true);
  });

  it('leaves the state untouched for a duplicate', () => {
    addMessages('c1', [message(1)]);
    const before = messagesCache.get();
    addMessages('c1', [message(1)]);
    expect(messagesCache.get()).toBe(before);
  });
});
