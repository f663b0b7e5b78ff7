import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Conversation } from '@parley/protocol';
import { useParleyClient } from '@/lib/parley-client';
import { useExternalStore } from '@/lib/external-store';
import { fetchConversation, loadMoreConversations, loadRequests } from '../api/conversations';
import { conversationsCache, sortByActivity } from '../api/conversations-cache';

/** The loaded conversations, newest activity first, and the means to load more. */
export function useConversationList() {
  const client = useParleyClient();
  const byId = useExternalStore(conversationsCache, (state) => state.byId);
  const nextCursor = useExternalStore(conversationsCache, (state) => state.nextCursor);
  const fetchState = useExternalStore(conversationsCache, (state) => state.fetchState);
  const conversations = useMemo(
    () => sortByActivity(Object.values(byId).filter((conversation) => !conversation.request)),
    [byId],
  );

  useEffect(() => {
    if (conversationsCache.get().nextCursor === undefined) void loadMoreConversations(client);
  }, [client]);

  const loadMore = useCallback(() => void loadMoreConversations(client), [client]);

  return {
    conversations,
    loading: fetchState.loading || fetchState.loadingOlder,
    error: fetchState.error,
    /** False before the first page arrived. */
    loadedOnce: nextCursor !== undefined,
    hasMore: !fetchState.foundOldest,
    loadMore,
  };
}

/** The message requests the user received, newest first (loaded once, then kept by events). */
export function useRequestList(): Conversation[] {
  const client = useParleyClient();
  const byId = useExternalStore(conversationsCache, (state) => state.byId);

  useEffect(() => {
    if (!conversationsCache.get().requestsLoaded) loadRequests(client).catch(() => undefined);
  }, [client]);

  return useMemo(
    () => sortByActivity(Object.values(byId).filter((conversation) => conversation.request)),
    [byId],
  );
}

/**
 * One conversation from the cache, fetched when it is not there (e.g. opened by its link).
 * `missing` is true once the server said it is not ours to see.
 */
export function useConversation(conversationId: string | null): {
  conversation: Conversation | null;
  missing: boolean;
} {
  const client = useParleyClient();
  const [missingId, setMissingId] = useState<string | null>(null);
  const conversation = useExternalStore(conversationsCache, (state) =>
    conversationId ? (state.byId[conversationId] ?? null) : null,
  );

  useEffect(() => {
    if (!conversationId || conversationsCache.get().byId[conversationId]) return;
    fetchConversation(client, conversationId).then(
      (found) => {
        if (!found) setMissingId(conversationId);
      },
      () => undefined,
    );
  }, [client, conversationId]);

  return {
    conversation,
    missing: conversationId !== null && !conversation && missingId === conversationId,
  };
}
