import { useCallback, useEffect } from 'react';
import { useSocket } from '@/hooks/use-socket';
import { useExternalStore } from '@/lib/external-store';
import { loadLatestMessages, loadOlderMessages } from '../api/messages';
import { emptyConversationMessages, messagesCache } from '../api/messages-cache';

/** The history of one conversation, loading its latest page on first use. */
export function useConversationMessages(conversationId: string) {
  const { client, status } = useSocket();
  const state = useExternalStore(
    messagesCache,
    (messages) => messages[conversationId] ?? emptyConversationMessages,
  );

  // Also when the connection is back: a first page that failed meanwhile is asked again (a
  // loaded page makes this a no-op).
  useEffect(() => {
    if (status !== 'reconnecting') void loadLatestMessages(client, conversationId);
  }, [client, conversationId, status]);

  const loadOlder = useCallback(
    () => void loadOlderMessages(client, conversationId),
    [client, conversationId],
  );
  const retry = useCallback(
    () => void loadLatestMessages(client, conversationId),
    [client, conversationId],
  );

  return { ...state, loadOlder, retry };
}
