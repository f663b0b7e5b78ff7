import type { Watermarks } from '../api/receipts-cache';

export type DeliveryStatus = 'sent' | 'delivered' | 'read';

/**
 * Where one of our messages stands by the other members' watermarks: read once any other member
 * read up to it, delivered once any received it, otherwise sent (stored by the server).
 */
export function deliveryStatus(
  seq: number,
  watermarks: Readonly<Record<string, Watermarks>> | undefined,
  ownUserId: string | null,
): DeliveryStatus {
  let status: DeliveryStatus = 'sent';
  for (const [userId, marks] of Object.entries(watermarks ?? {})) {
    if (userId === ownUserId) continue;
    if (marks.readSeq >= seq) return 'read';
    if (marks.deliveredSeq >= seq) status = 'delivered';
  }
  return status;
}
