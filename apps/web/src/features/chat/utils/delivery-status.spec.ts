import { describe, expect, it } from 'vitest';
import { deliveryStatus } from './delivery-status';

describe('deliveryStatus', () => {
  const members = [
    { userId: 'me', lastDeliveredSeq: 9, lastReadSeq: 9 },
    { userId: 'ann', lastDeliveredSeq: 7, lastReadSeq: 5 },
    { userId: 'ben', lastDeliveredSeq: 6, lastReadSeq: 6 },
  ];

  it('is read up to the highest read watermark of another member', () => {
    expect(deliveryStatus(6, members, 'me')).toBe('read');
    expect(deliveryStatus(5, members, 'me')).toBe('read');
  });

  it('is delivered up to the highest delivered watermark of another member', () => {
    expect(deliveryStatus(7, members, 'me')).toBe('delivered');
  });

  it('is sent beyond every other watermark; our own do not count', () => {
    expect(deliveryStatus(8, members, 'me')).toBe('sent');
    expect(deliveryStatus(1, [], 'me')).toBe('sent');
  });
});
