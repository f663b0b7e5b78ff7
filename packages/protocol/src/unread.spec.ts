import { describe, expect, it } from 'vitest';
import { unreadCount } from './unread.js';

describe('unreadCount', () => {
  it('counts the messages after the read watermark', () => {
    expect(unreadCount(10, 7)).toBe(3);
    expect(unreadCount(10, 10)).toBe(0);
    expect(unreadCount(5, 0)).toBe(5);
  });

  it('is never negative', () => {
    expect(unreadCount(4, 9)).toBe(0);
  });
});
