import type { ParleyClient } from '@parley/client';
import { finishFetch, startFetch } from '@/lib/fetch-state';
import { addMessages, messagesCache, updateConversationMessages } from './messages-cache';

const PAGE_SIZE = 50;

/** Loads the latest page of a conversation the first time it is opened (or after an error). */
export async function loadLatestMessages(
  client: ParleyClient,
  conversationId: string,
): Promise<void> {
  const current = messagesCache.get()[conversationId];
  if (current?.loaded || current?.fetchState.loading) return;
  updateConversationMessages(conversationId, (state) => ({
    ...state,
    fetchState: startFetch(state.fetchState, 'latest'),
  }));
  try {
    const page = await client.http.getMessages(conversationId, { limit: PAGE_SIZE });
    addMessages(conversationId, page.messages);
    updateConversationMessages(conversationId, (state) => ({
      ...state,
      loaded: true,
      fetchState: finishFetch(state.fetchState, 'latest', { foundOldest: !page.hasMore }),
    }));
  } catch (error) {
    updateConversationMessages(conversationId, (state) => ({
      ...state,
      fetchState: finishFetch(state.fetchState, 'latest', { error }),
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
  if (
    !current?.loaded ||
    current.fetchState.loadingOlder ||
    current.fetchState.foundOldest ||
    oldestSeq === undefined
  ) {
    return;
  }
  updateConversationMessages(conversationId, (state) => ({
    ...state,
    fetchState: startFetch(state.fetchState, 'older'),
  }));
  try {
    const page = await client.http.getMessages(conversationId, {
      limit: PAGE_SIZE,
      before: oldestSeq,
    });
    addMessages(conversationId, page.messages);
    updateConversationMessages(conversationId, (state) => ({
      ...state,
      fetchState: finishFetch(state.fetchState, 'older', { foundOldest: !page.hasMore }),
    }));
  } catch (error) {
    updateConversationMessages(conversationId, (state) => ({
      ...state,
      fetchState: finishFetch(state.fetchState, 'older', { error }),
    }));
  }
}
