import { describe, expect, it } from 'vitest';
import { unreadUpperBound } from './unread.js';

describe('unreadUpperBound', () => {
  it('counts the messages after the read watermark', () => {
    expect(unreadUpperBound(10, 7)).toBe(3);
    expect(unreadUpperBound(10, 10)).toBe(0);
    expect(unreadUpperBound(5, 0)).toBe(5);
  });

  it('is never negative', () => {
    expect(unreadUpperBound(4, 9)).toBe(0);
  });
});
