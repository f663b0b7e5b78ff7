import type { Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { latestMessageState } from './message-state.js';

function state(rev: number, content: string): Message {
  return {
    id: 'id-4',
    conversationId: '00000000-0000-4000-8000-00000000000a',
    seq: 4,
    senderId: '00000000-0000-4000-8000-000000000001',
    clientMsgId: '00000000-0000-4000-8000-0000000000c1',
    content,
    type: 'text',
    createdAt: '2025-01-01T10:00:00.000Z',
    rev,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    mentions: [],
    reactions: [],
    attachments: [],
  };
}

describe('latestMessageState', () => {
  it('keeps the state with the higher rev, the known one on a tie', () => {
    const sent = state(4, 'typo');
    const edited = state(7, 'fixed');

    expect(latestMessageState(undefined, sent)).toBe(sent);
    expect(latestMessageState(sent, edited)).toBe(edited);
    // A REST page read before the edit arrives after its event.
    expect(latestMessageState(edited, sent)).toBe(edited);
    expect(latestMessageState(edited, state(7, 'fixed'))).toBe(edited);
  });
});
