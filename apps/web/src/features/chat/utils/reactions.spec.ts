import type { ConversationMember, Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { searchEmojis, type EmojiEntry } from './emoji-data';
import { canonicalEmoji, reactionChips, reactionToggle } from './reactions';

function member(userId: string, displayName: string): ConversationMember {
  return {
    userId,
    username: userId,
    displayName,
    role: 'member',
    lastReadSeq: 0,
    lastDeliveredSeq: 0,
  };
}

const message = {
  id: 'm1',
  conversationId: 'c1',
  seq: 1,
  senderId: 'ann',
  clientMsgId: 'x1',
  content: 'hello',
  type: 'text',
  createdAt: '2025-01-01T10:00:00.000Z',
  rev: 4,
  editedAt: null,
  deletedAt: null,
  replyToSeq: null,
  mentions: [],
  reactions: [
    { emoji: '👍', userIds: ['ann', 'me'] },
    { emoji: '🎉', userIds: ['gone'] },
  ],
  attachments: [],
} satisfies Message;

describe('reactionChips', () => {
  it('counts each emoji, marks ours and names the reactors in their order', () => {
    expect(reactionChips(message, 'me', [member('ann', 'Ann'), member('me', 'Me')])).toEqual([
      { emoji: '👍', count: 2, mine: true, names: ['Ann', 'You'] },
      { emoji: '🎉', count: 1, mine: false, names: ['Former member'] },
    ]);
  });
});

describe('reactionToggle', () => {
  it('turns our reaction off when we have it, on otherwise', () => {
    expect(reactionToggle(message, '👍', 'me')).toBe(false);
    expect(reactionToggle(message, '🎉', 'me')).toBe(true);
    expect(reactionToggle(message, '😂', 'me')).toBe(true);
    expect(reactionToggle(message, '👍', 'bob')).toBe(true);
  });
});

describe('canonicalEmoji', () => {
  it('drops a variation selector after a character that is an emoji anyway', () => {
    expect(canonicalEmoji('👍\uFE0F')).toBe('👍');
    expect(canonicalEmoji('👍🏽')).toBe('👍🏽');
  });

  it('keeps the one a text-default character needs', () => {
    expect(canonicalEmoji('❤\uFE0F')).toBe('❤\uFE0F');
  });
});

describe('searchEmojis', () => {
  const set: EmojiEntry[] = [
    { emoji: '👍', label: 'thumbs up', keywords: ['thumbs up', '+1', 'like'] },
    { emoji: '🐶', label: 'dog face', keywords: ['dog face', 'dog', 'pet'] },
    { emoji: '🌭', label: 'hot dog', keywords: ['hot dog', 'sausage'] },
  ];

  it('finds emojis whose words start with every word of the query', () => {
    expect(searchEmojis(set, 'dog').map((each) => each.emoji)).toEqual(['🐶', '🌭']);
    expect(searchEmojis(set, 'HOT do').map((each) => each.emoji)).toEqual(['🌭']);
    expect(searchEmojis(set, 'thu').map((each) => each.emoji)).toEqual(['👍']);
    expect(searchEmojis(set, 'cat')).toEqual([]);
  });
});
