import { describe, expect, it } from 'vitest';
import { typingText } from './typing-text';

describe('typingText', () => {
  it('names one or two people and counts more', () => {
    expect(typingText([])).toBeNull();
    expect(typingText(['Alice'])).toBe('Alice is typing...');
    expect(typingText(['Alice', 'Bob'])).toBe('Alice and Bob are typing...');
    expect(typingText(['Alice', 'Bob', 'Carol'])).toBe('3 people are typing...');
  });
});
