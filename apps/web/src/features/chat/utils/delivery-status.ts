import type { ConversationMember } from '@parley/protocol';

export type DeliveryStatus = 'sent' | 'delivered' | 'read';

export type MemberWatermarks = Pick<
  ConversationMember,
  'userId' | 'lastDeliveredSeq' | 'lastReadSeq'
>;

/**
 * Where one of our messages stands by the other members' watermarks: read once any other member
 * read up to it, delivered once any received it, otherwise sent (stored by the server).
 */
export function deliveryStatus(
  seq: number,
  members: readonly MemberWatermarks[],
  ownUserId: string | null,
): DeliveryStatus {
  let status: DeliveryStatus = 'sent';
  for (const member of members) {
    if (member.userId === ownUserId) continue;
    if (member.lastReadSeq >= seq) return 'read';
    if (member.lastDeliveredSeq >= seq) status = 'delivered';
  }
  return status;
}
