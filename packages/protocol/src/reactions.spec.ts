import { describe, expect, it } from 'vitest';
import { reactionEmojiSchema } from './reactions.js';

describe('reactionEmojiSchema', () => {
  it.each(['👍', '❤️', '👍🏽', '👩‍👩‍👧', '🇫🇷', '🏳️‍🌈', 'ok👌'])('takes %s', (emoji) => {
    expect(reactionEmojiSchema.parse(emoji)).toBe(emoji);
  });

  it.each([
    ['empty', ''],
    ['no emoji', 'abc'],
    ['one regional indicator', '🇫'],
    ['17 code points', '👍'.repeat(17)],
    ['a lone surrogate', '\ud83d'],
    ['a control character', '👍\u0000'],
  ])('refuses %s', (_, emoji) => {
    expect(reactionEmojiSchema.safeParse(emoji).success).toBe(false);
  });
});
