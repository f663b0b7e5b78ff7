import { describe, expect, it } from 'vitest';
import { typingText } from './typing-text';

describe('typingText', () => {
  it('names one or two people, each as a part of its own, and counts more', () => {
    expect(typingText([])).toBeNull();
    expect(typingText(['Alice'])).toEqual([{ name: 'Alice' }, ' is typing...']);
    expect(typingText(['Alice', 'Bob'])).toEqual([
      { name: 'Alice' },
      ' and ',
      { name: 'Bob' },
      ' are typing...',
    ]);
    expect(typingText(['Alice', 'Bob', 'Carol'])).toEqual(['3 people are typing...']);
  });
});
