import type { ParleyClient } from '@parley/client';
import { errorMessage } from '@/utils/error-message';
import { addMessages, messagesCache, updateConversationMessages } from './messages-cache';

const PAGE_SIZE = 50;

/** Loads the latest page of a conversation the first time it is opened (or after an error). */
export async function loadLatestMessages(
  client: ParleyClient,
  conversationId: string,
): Promise<void> {
  const current = messagesCache.get()[conversationId];
  if (current?.loaded || current?.loading) return;
  updateConversationMessages(conversationId, (state) => ({ ...state, loading: true, error: null }));
  try {
    const page = await client.http.getMessages(conversationId, { limit: PAGE_SIZE });
    addMessages(conversationId, page.messages);
    updateConversationMessages(conversationId, (state) => ({
      ...state,
      loaded: true,
      loading: false,
      reachedStart: state.reachedStart || !page.hasMore,
    }));
  } catch (error) {
    updateConversationMessages(conversationId, (state) => ({
      ...state,
      loading: false,
      error: errorMessage(error),
    }));
  }
}

/** Loads the page before the oldest message held. */
export async function loadOlderMessages(
  client: ParleyClient,
  conversationId: string,
): Promise<void> {
  const current = messagesCache.get()[conversationId];
  const oldestSeq = current?.messages[0]?.seq;
  if (!current?.loaded || current.loadingOlder || current.reachedStart || oldestSeq === undefined) {
    return;
  }
  updateConversationMessages(conversationId, (state) => ({ ...state, loadingOlder: true }));
  try {
    const page = await client.http.getMessages(conversationId, {
      limit: PAGE_SIZE,
      before: oldestSeq,
    });
    addMessages(conversationId, page.messages);
    updateConversationMessages(conversationId, (state) => ({
      ...state,
      loadingOlder: false,
      reachedStart: state.reachedStart || !page.hasMore,
    }));
  } catch (error) {
    updateConversationMessages(conversationId, (state) => ({
      ...state,
      loadingOlder: false,
      error: errorMessage(error),
    }));
  }
}
