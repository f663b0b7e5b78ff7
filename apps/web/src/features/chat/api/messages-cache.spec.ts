import type { Message } from '@parley/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  addMessages,
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
