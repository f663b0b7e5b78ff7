import { describe, expect, it } from 'vitest';
import { deliveryStatus } from './delivery-status';

describe('deliveryStatus', () => {
  const marks = {
    me: { deliveredSeq: 9, readSeq: 9 },
    ann: { deliveredSeq: 7, readSeq: 5 },
    ben: { deliveredSeq: 6, readSeq: 6 },
  };

  it('is read up to the highest read watermark of another member', () => {
    expect(deliveryStatus(6, marks, 'me')).toBe('read');
    expect(deliveryStatus(5, marks, 'me')).toBe('read');
  });

  it('is delivered up to the highest delivered watermark of another member', () => {
    expect(deliveryStatus(7, marks, 'me')).toBe('delivered');
  });

  it('is sent beyond every other watermark; our own do not count', () => {
    expect(deliveryStatus(8, marks, 'me')).toBe('sent');
    expect(deliveryStatus(1, undefined, 'me')).toBe('sent');
  });
});
