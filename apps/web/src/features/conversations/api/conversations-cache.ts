import { mergeConversationUpdate } from '@parley/client';
import type { Conversation, ConversationUpdate, Message, UnreadUpdate } from '@parley/protocol';
import { createExternalStore } from '@/lib/external-store';

export interface ConversationsState {
  byId: Readonly<Record<string, Conversation>>;
  /** Cursor of the next page: undefined before the first page, null once all are loaded. */
  nextCursor: string | null | undefined;
  loading: boolean;
  error: string | null;
  /** Whether the message requests the user received were loaded (they are listed apart). */
  requestsLoaded: boolean;
}

const initialState: ConversationsState = {
  byId: {},
  nextCursor: undefined,
  loading: false,
  error: null,
  requestsLoaded: false,
};

/**
 * The signed-in user's conversations as the server last described them, kept current by socket
 * events. Every merge only moves seqs and watermarks forward, so a REST page and live events can
 * arrive in any order.
 */
export const conversationsCache = createExternalStore<ConversationsState>(initialState);

export function resetConversationsCache(): void {
  conversationsCache.update(() => initialState);
}

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

function withUnread(conversation: Conversation): Conversation {
  return {
    ...conversation,
    unreadCount: Math.max(0, conversation.lastSeq - conversation.lastReadSeq),
  };
}

/** Combines two views of one conversation: names and members from the newer, seqs by maximum. */
export function mergeConversation(
  existing: Conversation | undefined,
  incoming: Conversation,
): Conversation {
  if (!existing) return incoming;
  const lastMessage =
    (incoming.lastMessage?.seq ?? 0) >= (existing.lastMessage?.seq ?? 0)
      ? incoming.lastMessage
      : existing.lastMessage;
  return withUnread({
    ...incoming,
    // An update sent to a whole room leaves out the per-viewer flag: keep ours.
    request: incoming.request ?? existing.request,
    lastMessage,
    lastSeq: Math.max(existing.lastSeq, incoming.lastSeq),
    lastReadSeq: Math.max(existing.lastReadSeq, incoming.lastReadSeq),
    updatedAt: later(existing.updatedAt, incoming.updatedAt),
  });
}

/** The conversation after `message`; the sender's own messages count as read by them. */
export function withMessage(
  conversation: Conversation,
  message: Message,
  ownUserId: string | null,
): Conversation {
  const isNewest = message.seq >= (conversation.lastMessage?.seq ?? 0);
  return withUnread({
    ...conversation,
    lastMessage: isNewest ? message : conversation.lastMessage,
    lastSeq: Math.max(conversation.lastSeq, message.seq),
    lastReadSeq:
      message.senderId === ownUserId
        ? Math.max(conversation.lastReadSeq, message.seq)
        : conversation.lastReadSeq,
    updatedAt: later(conversation.updatedAt, message.createdAt),
  });
}

/** The conversation after the user read up to `lastReadSeq` (here or on another device). */
export function withRead(
  conversation: Conversation,
  lastReadSeq: number,
  unreadCount?: number,
): Conversation {
  const readSeq = Math.max(conversation.lastReadSeq, lastReadSeq);
  // The server may know of messages that have not reached this device yet.
  const knownLastSeq =
    unreadCount === undefined
      ? conversation.lastSeq
      : Math.max(conversation.lastSeq, lastReadSeq + unreadCount);
  return withUnread({ ...conversation, lastReadSeq: readSeq, lastSeq: knownLastSeq });
}

/** When the conversation last saw activity: the order of the list, newest first. */
export function activityTime(conversation: Conversation): number {
  return Math.max(
    Date.parse(conversation.updatedAt),
    conversation.lastMessage ? Date.parse(conversation.lastMessage.createdAt) : 0,
  );
}

export function sortByActivity(conversations: Iterable<Conversation>): Conversation[] {
  return [...conversations].sort(
    (a, b) => activityTime(b) - activityTime(a) || (a.id < b.id ? -1 : 1),
  );
}

export function upsertConversations(conversations: readonly Conversation[]): void {
  if (conversations.length === 0) return;
  conversationsCache.update((state) => {
    const byId = { ...state.byId };
    for (const conversation of conversations) {
      byId[conversation.id] = mergeConversation(byId[conversation.id], conversation);
    }
    return { ...state, byId };
  });
}

function updateOne(
  conversationId: string,
  recipe: (conversation: Conversation) => Conversation,
): boolean {
  const existing = conversationsCache.get().byId[conversationId];
  if (!existing) return false;
  conversationsCache.update((state) => ({
    ...state,
    byId: { ...state.byId, [conversationId]: recipe(existing) },
  }));
  return true;
}

/**
 * Applies a `conversation:updated`: the shared form keeps our own read state. False when it is
 * the shared form of a conversation the cache does not hold (fetch it).
 */
export function applyConversationUpdate(update: ConversationUpdate): boolean {
  const conversation = mergeConversationUpdate(conversationsCache.get().byId[update.id], update);
  if (!conversation) return false;
  upsertConversations([conversation]);
  return true;
}

/** Applies a message; false when the conversation is not in the cache (fetch it). */
export function applyMessage(message: Message, ownUserId: string | null): boolean {
  return updateOne(message.conversationId, (conversation) =>
    withMessage(conversation, message, ownUserId),
  );
}

export function applyRead(conversationId: string, lastReadSeq: number, unreadCount?: number): void {
  updateOne(conversationId, (conversation) => withRead(conversation, lastReadSeq, unreadCount));
}

export function applyUnreadUpdate(update: UnreadUpdate): void {
  applyRead(update.conversationId, update.lastReadSeq, update.unreadCount);
}

export function removeConversation(conversationId: string): void {
  conversationsCache.update((state) => {
    if (!state.byId[conversationId]) return state;
    const { [conversationId]: _removed, ...byId } = state.byId;
    return { ...state, byId };
  });
}
