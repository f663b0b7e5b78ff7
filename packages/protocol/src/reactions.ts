import { z } from 'zod';
import { countCodePoints, hasControlCharacter } from './content.js';

export const MAX_REACTION_EMOJI_CODE_POINTS = 16;
/** Distinct emojis one message may carry. */
export const MAX_REACTIONS_PER_MESSAGE = 20;

const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const REGIONAL_INDICATOR_PAIR = /\p{Regional_Indicator}{2}/u;

/** True when `text` holds an emoji: an Extended_Pictographic character or a flag's pair. */
export function containsEmoji(text: string): boolean {
  return PICTOGRAPHIC.test(text) || REGIONAL_INDICATOR_PAIR.test(text);
}

/** A reaction: 1-16 code points with at least one emoji (contract section 6). */
export const reactionEmojiSchema = z
  .string()
  .refine((emoji) => emoji.isWellFormed(), 'emoji contains a lone surrogate')
  .refine((emoji) => {
    const length = countCodePoints(emoji);
    return length >= 1 && length <= MAX_REACTION_EMOJI_CODE_POINTS;
  }, `emoji must be 1-${MAX_REACTION_EMOJI_CODE_POINTS} code points`)
  .refine((emoji) => !hasControlCharacter(emoji), 'emoji must not contain control characters')
  .refine(containsEmoji, 'emoji must contain an emoji')
  .meta({
    description:
      '1-16 code points with at least one emoji (Extended_Pictographic or a regional-indicator pair).',
  });
