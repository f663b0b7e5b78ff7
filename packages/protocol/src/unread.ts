/**
 * How many messages a member has not read: those after their read watermark. Never negative,
 * though a watermark may briefly be ahead of the `lastSeq` a client holds.
 */
export function unreadCount(lastSeq: number, lastReadSeq: number): number {
  return Math.max(0, lastSeq - lastReadSeq);
}
