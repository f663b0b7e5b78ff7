import type { Conversation } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { mergeConversationUpdate } from './conversation-update.js';

const known: Conversation = {
  id: '00000000-0000-4000-8000-00000000000a',
  type: 'group',
  name: 'Before',
  members: [],
  lastMessage: null,
  lastSeq: 7,
  lastRev: 9,
  unreadCount: 3,
  mentionCount: 1,
  lastReadSeq: 4,
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:00:00.000Z',
};

describe('mergeConversationUpdate', () => {
  it('keeps the known read state and mention count when the update is the shared form', () => {
    const {
      unreadCount: _unread,
      mentionCount: _mentions,
      lastReadSeq: _read,
      ...shared
    } = {
      ...known,
      name: 'After',
      lastRev: 12,
      updatedAt: '2025-01-01T11:00:00.000Z',
    };

    expect(mergeConversationUpdate(known, shared)).toEqual({
      ...shared,
      unreadCount: 3,
      mentionCount: 1,
      lastReadSeq: 4,
    });
  });

  it('keeps the known request flag, which the shared form leaves out', () => {
    const {
      unreadCount: _unread,
      mentionCount: _mentions,
      lastReadSeq: _read,
      ...shared
    } = { ...known, name: 'After' };

    expect(mergeConversationUpdate({ ...known, request: true }, shared)).toMatchObject({
      name: 'After',
      request: true,
    });
  });

  it('takes the whole form as it is, read state included', () => {
    const whole = { ...known, name: 'After', unreadCount: 0, mentionCount: 0, lastReadSeq: 7 };

    expect(mergeConversationUpdate(known, whole)).toEqual(whole);
    expect(mergeConversationUpdate(undefined, whole)).toEqual(whole);
  });

  it('answers undefined for the shared form of a conversation not known yet', () => {
    const { unreadCount: _unread, mentionCount: _mentions, lastReadSeq: _read, ...shared } = known;

    expect(mergeConversationUpdate(undefined, shared)).toBeUndefined();
  });
});
