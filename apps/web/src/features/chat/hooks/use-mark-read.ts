import { useEffect, useRef } from 'react';
import { useSocket } from '@/hooks/use-socket';
import { usePageActive } from './use-page-active';

/**
 * Marks the open conversation read up to its latest message while the person can see it: the
 * page is visible and focused, and the socket is up. Each seq is sent once.
 */
export function useMarkRead(
  conversationId: string,
  latestSeq: number,
  lastReadSeq: number,
  onMarkedRead: (
    conversationId: string,
    seq: number,
    unreadCount: number,
    mentionCount: number,
  ) => void,
): void {
  const { client, status } = useSocket();
  const pageActive = usePageActive();
  const requested = useRef(new Map<string, number>());

  useEffect(() => {
    if (!pageActive || status !== 'connected' || latestSeq <= lastReadSeq) return;
    if ((requested.current.get(conversationId) ?? 0) >= latestSeq) return;
    requested.current.set(conversationId, latestSeq);
    client.markRead(conversationId, latestSeq).then(
      ({ unreadCount, mentionCount }) =>
        onMarkedRead(conversationId, latestSeq, unreadCount, mentionCount),
      () => requested.current.delete(conversationId),
    );
  }, [client, status, pageActive, conversationId, latestSeq, lastReadSeq, onMarkedRead]);
}
