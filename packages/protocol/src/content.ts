import { z } from 'zod';

export const MAX_CONTENT_CODE_POINTS = 4000;

// C0 controls except tab (U+0009) and newline (U+000A), DEL, and the C1 controls.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ANY_CONTROL_CHARACTER = /[\u0000-\u001F\u007F-\u009F]/;

// Characters that show nothing or change how the text around them shows: every format
// character (\p{Cf}: bidirectional embeddings, overrides, isolates and marks, zero-width spaces
// and joiners, soft hyphen, tag characters), the Hangul fillers, which render as blanks, the
// combining grapheme joiner and the Mongolian vowel separator (\p{Cf} in older Unicode data).
// In a name they can make one person look like another or reorder the text around the name.
// (The combining grapheme joiner stands outside the class: inside, it would read as combining.)
const INVISIBLE_OR_FORMAT = /[\p{Cf}\u115F\u1160\u3164\uFFA0\u180E]|\u034F/u;

/** True when `text` holds a NUL or any other control character (tab and newline included). */
export function hasControlCharacter(text: string): boolean {
  return ANY_CONTROL_CHARACTER.test(text);
}

/**
 * A trimmed one-line label (a display name, a group name) of 1-`max` characters, without
 * control, format (bidirectional controls, zero-width characters) or other invisible characters.
 */
export function singleLineTextSchema(field: string, max: number) {
  const lengthMessage = `${field} must be 1-${max} characters`;
  return z
    .string()
    .trim()
    .min(1, lengthMessage)
    .max(max, lengthMessage)
    .refine((text) => !hasControlCharacter(text), `${field} must not contain control characters`)
    .refine(
      (text) => !INVISIBLE_OR_FORMAT.test(text),
      `${field} must not contain bidirectional controls, zero-width or other invisible characters`,
    );
}

/**
 * Normalizes message content the way the server stores it: `\r\n` becomes `\n`,
 * control characters are removed, and the result is trimmed.
 * @example normalizeContent(' hi\r\nthere\u0000 ') // 'hi\nthere'
 */
export function normalizeContent(raw: string): string {
  return raw.replace(/\r\n/g, '\n').replace(CONTROL_CHARACTERS, '').trim();
}

export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Message content: normalized, well-formed UTF-16, 1-4000 code points. */
export const messageContentSchema = z.string().transform((raw, ctx) => {
  if (!raw.isWellFormed()) {
    ctx.addIssue({ code: 'custom', message: 'content contains a lone surrogate' });
    return z.NEVER;
  }
  const content = normalizeContent(raw);
  const length = countCodePoints(content);
  if (length < 1 || length > MAX_CONTENT_CODE_POINTS) {
    ctx.addIssue({
      code: 'custom',
      message: `content must be 1-${MAX_CONTENT_CODE_POINTS} characters after trimming`,
    });
    return z.NEVER;
  }
  return content;
});
