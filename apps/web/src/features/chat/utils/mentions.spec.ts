import type { ConversationMember } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import {
  activeMentionQuery,
  insertMention,
  mentionedUserIds,
  mentionSuggestions,
  splitMentions,
} from './mentions';

function member(userId: string, displayName: string, username = userId): ConversationMember {
  return { userId, username, displayName, role: 'member', lastReadSeq: 0, lastDeliveredSeq: 0 };
}

const members = [
  member('me', 'Me'),
  member('b', 'Bob Stone', 'bob'),
  member('z', 'Zoë', 'zoe'),
  member('c', 'Carla Bobby', 'carla'),
];

describe('activeMentionQuery', () => {
  it('finds the @word that ends at the caret', () => {
    expect(activeMentionQuery('hi @bo', 6)).toEqual({ start: 3, query: 'bo' });
    expect(activeMentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(activeMentionQuery('line\n@zo and more', 8)).toEqual({ start: 5, query: 'zo' });
  });

  it('opens nothing for an e-mail address, after a space, or away from the caret', () => {
    expect(activeMentionQuery('ann@example', 11)).toBeNull();
    expect(activeMentionQuery('@bob ', 5)).toBeNull();
    expect(activeMentionQuery('@bob and', 8)).toBeNull();
  });
});

describe('mentionSuggestions', () => {
  it('offers names and usernames that start with the query first, never the writer', () => {
    expect(mentionSuggestions('bo', members, 'me').map((each) => each.userId)).toEqual(['b', 'c']);
    expect(mentionSuggestions('', members, 'me').map((each) => each.userId)).toEqual([
      'b',
      'z',
      'c',
    ]);
  });

  it('ignores case and accents', () => {
    expect(mentionSuggestions('ZOE', members, 'me').map((each) => each.userId)).toEqual(['z']);
  });
});

describe('insertMention', () => {
  it('replaces the typed @word with @displayName and a space, caret after it', () => {
    const query = activeMentionQuery('hi @bo', 6)!;
    expect(insertMention('hi @bo', query, 6, 'Bob Stone')).toEqual({
      text: 'hi @Bob Stone ',
      caret: 14,
    });
  });

  it('keeps the text after the caret without doubling its space', () => {
    const query = activeMentionQuery('@z see you', 2)!;
    expect(insertMention('@z see you', query, 2, 'Zoë').text).toBe('@Zoë see you');
  });
});

describe('mentionedUserIds', () => {
  it('sends the chosen members still named in the text, each once', () => {
    const chosen = [
      { userId: 'b', displayName: 'Bob Stone' },
      { userId: 'z', displayName: 'Zoë' },
      { userId: 'b', displayName: 'Bob Stone' },
    ];
    expect(mentionedUserIds('@Bob Stone and @Bob Stone', chosen)).toEqual(['b']);
    expect(mentionedUserIds('nobody', chosen)).toEqual([]);
  });
});

describe('splitMentions', () => {
  it('marks each @name, the longest name first', () => {
    expect(splitMentions('hi @Bob Stone and @Bob!', ['Bob', 'Bob Stone'])).toEqual([
      { type: 'text', text: 'hi ' },
      { type: 'mention', text: '@Bob Stone' },
      { type: 'text', text: ' and ' },
      { type: 'mention', text: '@Bob' },
      { type: 'text', text: '!' },
    ]);
  });

  it('leaves text without a mentioned name whole, markup included', () => {
    expect(splitMentions('<b>@x</b> mail a@b', ['Bob'])).toEqual([
      { type: 'text', text: '<b>@x</b> mail a@b' },
    ]);
    expect(splitMentions('@Bob', [])).toEqual([{ type: 'text', text: '@Bob' }]);
  });
});
