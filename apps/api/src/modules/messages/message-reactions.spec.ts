import { describe, expect, it } from 'vitest';
import { applyReaction } from './message-reactions.js';

describe(applyReaction.name, () => {
  const before = [
    { emoji: '👍', userIds: ['a', 'b'] },
    { emoji: '🎉', userIds: ['c'] },
  ];

  it('puts a reactor last among its emoji’s, and a new emoji last', () => {
    expect(applyReaction(before, { userId: 'c', emoji: '👍', on: true })).toEqual([
      { emoji: '👍', userIds: ['a', 'b', 'c'] },
      { emoji: '🎉', userIds: ['c'] },
    ]);
    expect(applyReaction(before, { userId: 'a', emoji: '❤️', on: true })).toEqual([
      ...before,
      { emoji: '❤️', userIds: ['a'] },
    ]);
  });

  it('takes a reactor away, and the emoji with its last one', () => {
    expect(applyReaction(before, { userId: 'a', emoji: '👍', on: false })).toEqual([
      { emoji: '👍', userIds: ['b'] },
      { emoji: '🎉', userIds: ['c'] },
    ]);
    expect(applyReaction(before, { userId: 'c', emoji: '🎉', on: false })).toEqual([
      { emoji: '👍', userIds: ['a', 'b'] },
    ]);
  });

  it('changes nothing for a reaction on twice', () => {
    expect(applyReaction(before, { userId: 'a', emoji: '👍', on: true })).toEqual(before);
  });
});
