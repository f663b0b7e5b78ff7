import { describe, expect, it } from 'vitest';
import { messageContentSchema, normalizeContent, singleLineTextSchema } from './content.js';

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

describe('singleLineTextSchema', () => {
  const sut = singleLineTextSchema('name', 64);

  const refused = [
    // Bidirectional controls and zero-width characters.
    0x202e, 0x202a, 0x2066, 0x2069, 0x200e, 0x200f, 0x061c, 0x200b, 0x200d, 0x2060, 0xfeff,
    // Other format characters: soft hyphen, invisible plus, Arabic number sign, interlinear
    // annotation, a tag character.
    0x00ad, 0x2064, 0x0600, 0xfff9, 0xe0041,
    // Hangul fillers, combining grapheme joiner, Mongolian vowel separator.
    0x115f, 0x1160, 0x3164, 0xffa0, 0x034f, 0x180e,
  ];

  it.each(refused.map((code) => [code.toString(16).toUpperCase().padStart(4, '0'), code]))(
    'refuses U+%s inside a name',
    (_, code) => {
      const result = sut.safeParse(`a${String.fromCodePoint(code as number)}b`);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/bidirectional controls, zero-width/);
    },
  );

  it('refuses an emoji ZWJ sequence', () => {
    expect(sut.safeParse('family 👩\u200D👩\u200D👧').success).toBe(false);
  });

  it('keeps plain emoji and accented letters', () => {
    expect(sut.parse('Zoë 🎉')).toBe('Zoë 🎉');
  });

  it('keeps right-to-left letters', () => {
    expect(sut.parse('שלום مرحبا')).toBe('שלום مرحبا');
  });
});
