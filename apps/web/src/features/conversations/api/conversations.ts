import { ParleyApiError, type ParleyClient } from '@parley/client';
import type { Conversation } from '@parley/protocol';
import { finishFetch, startFetch } from '@/lib/fetch-state';
import { conversationsCache, removeConversation, upsertConversations } from './conversations-cache';

const PAGE_SIZE = 30;

/** Loads the next page of the list (GET /conversations with `before` = the last nextCursor). */
export async function loadMoreConversations(client: ParleyClient): Promise<void> {
  const { nextCursor, fetchState } = conversationsCache.get();
  if (fetchState.loading || fetchState.loadingOlder || fetchState.foundOldest) return;
  const kind = nextCursor === undefined ? 'latest' : 'older';
  conversationsCache.update((state) => ({
    ...state,
    fetchState: startFetch(state.fetchState, kind),
  }));
  try {
    const page = await client.http.listConversations({
      limit: PAGE_SIZE,
      ...(nextCursor ? { before: nextCursor } : {}),
    });
    upsertConversations(page.conversations);
    conversationsCache.update((state) => ({
      ...state,
      nextCursor: page.nextCursor,
      fetchState: finishFetch(state.fetchState, kind, { foundOldest: page.nextCursor === null }),
    }));
  } catch (error) {
    conversationsCache.update((state) => ({
      ...state,
      fetchState: finishFetch(state.fetchState, kind, { error }),
    }));
  }
}

/**
 * After a reconnect: the newest conversations again, for what changed meanwhile (renames,
 * members) that sync, which brings messages only, does not carry.
 */
export async function refreshNewestConversations(client: ParleyClient): Promise<void> {
  const page = await client.http.listConversations({ limit: PAGE_SIZE });
  upsertConversations(page.conversations);
}

const inFlight = new Map<string, Promise<Conversation | null>>();

/** Fetches one conversation into the cache (once at a time); null if it is not visible to us. */
export function fetchConversation(
  client: ParleyClient,
  conversationId: string,
): Promise<Conversation | null> {
  const pending = inFlight.get(conversationId);
  if (pending) return pending;
  const request = client.http
    .getConversation(conversationId)
    .then(
      (conversation) => {
        upsertConversations([conversation]);
        return conversation;
      },
      (error: unknown) => {
        if (error instanceof ParleyApiError && (error.status === 404 || error.status === 400)) {
          return null;
        }
        throw error;
      },
    )
    .finally(() => inFlight.delete(conversationId));
  inFlight.set(conversationId, request);
  return request;
}

/** Loads the message requests the user received (listed apart from the conversations). */
export async function loadRequests(client: ParleyClient): Promise<void> {
  const page = await client.http.listConversations({ limit: PAGE_SIZE, requests: true });
  upsertConversations(page.conversations);
  conversationsCache.update((state) => ({ ...state, requestsLoaded: true }));
}

/** Accepts a message request: it becomes an ordinary conversation. */
export async function acceptRequest(client: ParleyClient, conversationId: string): Promise<void> {
  upsertConversations([await client.http.acceptRequest(conversationId)]);
}

/** Declines a message request: it disappears for good; its sender is not told. */
export async function declineRequest(client: ParleyClient, conversationId: string): Promise<void> {
  await client.http.declineRequest(conversationId);
  removeConversation(conversationId);
}

/** Opens the direct chat with a person: the existing one, or a new one. */
export async function startDirectChat(client: ParleyClient, userId: string): Promise<Conversation> {
  const conversation = await client.http.createConversation({ type: 'direct', memberId: userId });
  upsertConversations([conversation]);
  return conversation;
}

export async function createGroup(
  client: ParleyClient,
  name: string,
  memberIds: string[],
): Promise<Conversation> {
  const conversation = await client.http.createConversation({ type: 'group', name, memberIds });
  upsertConversations([conversation]);
  return conversation;
}

export async function renameGroup(
  client: ParleyClient,
  conversationId: string,
  name: string,
): Promise<void> {
  upsertConversations([await client.http.renameConversation(conversationId, name)]);
}

export async function addGroupMember(
  client: ParleyClient,
  conversationId: string,
  userId: string,
): Promise<void> {
  upsertConversations([await client.http.addMember(conversationId, { userId })]);
}

export async function removeGroupMember(
  client: ParleyClient,
  conversationId: string,
  userId: string,
): Promise<void> {
  await client.http.removeMember(conversationId, userId);
  if (userId === client.userId) {
    removeConversation(conversationId);
    return;
  }
  await fetchConversation(client, conversationId);
}
