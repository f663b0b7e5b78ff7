import { describe, expect, it } from 'vitest';
import { messageContentSchema, normalizeContent } from './content.js';

describe('normalizeContent', () => {
  it('folds CRLF to LF, strips control characters and trims', () => {
    expect(normalizeContent('  hi\r\nthere\u0000\u0007\u007f\u0085 ')).toBe('hi\nthere');
  });

  it('keeps tabs and newlines inside the text', () => {
    expect(normalizeContent('a\tb\nc')).toBe('a\tb\nc');
  });
});

describe('messageContentSchema', () => {
  it('accepts 4000 code points, counting astral characters once', () => {
    const sut = messageContentSchema.safeParse('😀'.repeat(4000));
    expect(sut.success).toBe(true);
  });

  it('rejects 4001 characters', () => {
    expect(messageContentSchema.safeParse('a'.repeat(4001)).success).toBe(false);
  });

  it('rejects content that is empty after normalization', () => {
    expect(messageContentSchema.safeParse(' \u0000\r\n ').success).toBe(false);
  });

  it('rejects a lone surrogate', () => {
    expect(messageContentSchema.safeParse('a\uD800b').success).toBe(false);
  });

  it('keeps markup as literal text', () => {
    expect(messageContentSchema.parse('<b>x</b>')).toBe('<b>x</b>');
  });
});
