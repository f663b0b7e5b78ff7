import type { ReceiptUpdate } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReceiptCoalescer } from './receipt-coalescer.js';

const WINDOW_MS = 100;

const receipt = (readSeq: number, userId = 'bob', conversationId = 'c1'): ReceiptUpdate => ({
  conversationId,
  userId,
  deliveredSeq: readSeq,
  readSeq,
});

describe(ReceiptCoalescer.name, () => {
  let published: ReceiptUpdate[];
  let coalesced: number;
  let sut: ReceiptCoalescer;

  beforeEach(() => {
    vi.useFakeTimers();
    published = [];
    coalesced = 0;
    sut = new ReceiptCoalescer({
      windowMs: WINDOW_MS,
      publish: (update) => published.push(update),
      onCoalesced: () => (coalesced += 1),
    });
  });

  afterEach(() => {
    sut.close();
    vi.useRealTimers();
  });

  it('sends an isolated receipt at once, and nothing more', () => {
    sut.submit(receipt(3));
    expect(published).toEqual([receipt(3)]);

    vi.advanceTimersByTime(WINDOW_MS * 3);
    expect(published).toEqual([receipt(3)]);
  });

  it('sends the first of a burst at once and only the latest when the window ends', () => {
    for (let seq = 1; seq <= 10; seq++) sut.submit(receipt(seq));
    expect(published).toEqual([receipt(1)]);

    vi.advanceTimersByTime(WINDOW_MS - 1);
    expect(published).toEqual([receipt(1)]);
    vi.advanceTimersByTime(1);
    expect(published).toEqual([receipt(1), receipt(10)]);
    expect(coalesced).toBe(8);

    vi.advanceTimersByTime(WINDOW_MS * 3);
    expect(published).toHaveLength(2);
  });

  it('keeps a steady stream to one receipt per window', () => {
    for (let seq = 1; seq <= 50; seq++) {
      sut.submit(receipt(seq));
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(WINDOW_MS * 2);

    // 500 ms of receipts: the first, then one at the end of each of the five windows.
    expect(published.map((update) => update.readSeq)).toEqual([1, 10, 20, 30, 40, 50]);
  });

  it('never merges different members or different conversations', () => {
    sut.submit(receipt(1, 'bob'));
    sut.submit(receipt(1, 'carol'));
    sut.submit(receipt(1, 'bob', 'c2'));

    expect(published).toEqual([receipt(1, 'bob'), receipt(1, 'carol'), receipt(1, 'bob', 'c2')]);
    expect(coalesced).toBe(0);
  });

  it('holds the highest of each watermark, whatever order the receipts came in', () => {
    sut.submit(receipt(1));
    sut.submit({ ...receipt(0), deliveredSeq: 9, readSeq: 4 });
    sut.submit({ ...receipt(0), deliveredSeq: 7, readSeq: 6 });

    vi.advanceTimersByTime(WINDOW_MS);
    expect(published).toEqual([receipt(1), { ...receipt(0), deliveredSeq: 9, readSeq: 6 }]);
  });

  it('on close, sends what it holds and from then on sends at once', () => {
    sut.submit(receipt(1));
    sut.submit(receipt(2));

    sut.close();
    expect(published).toEqual([receipt(1), receipt(2)]);
    expect(vi.getTimerCount()).toBe(0);

    sut.submit(receipt(3));
    sut.submit(receipt(4));
    expect(published).toEqual([receipt(1), receipt(2), receipt(3), receipt(4)]);
  });

  it('forgets a member once a window ends with nothing held', () => {
    sut.submit(receipt(1));
    sut.submit(receipt(2, 'carol'));
    expect(vi.getTimerCount()).toBe(2);

    vi.advanceTimersByTime(WINDOW_MS);
    expect(vi.getTimerCount()).toBe(0);
    sut.submit(receipt(3));
    expect(published.at(-1)).toEqual(receipt(3));
  });
});
