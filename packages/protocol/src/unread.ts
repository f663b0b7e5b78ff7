/**
 * An upper bound of a member's unread count: the messages after their read watermark, deleted
 * ones included (the server's `unreadCount` leaves those out and is exact). Only for where the
 * server gave no count. Never negative, though a watermark may briefly be ahead of the
 * `lastSeq` a client holds.
 */
export function unreadUpperBound(lastSeq: number, lastReadSeq: number): number {
  return Math.max(0, lastSeq - lastReadSeq);
}
