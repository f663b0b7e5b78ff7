import { mergeConversationUpdate } from '@parley/client';
import {
  isViewerConversation,
  unreadUpperBound,
  type Conversation,
  type ConversationMember,
  type ConversationUpdate,
  type Message,
  type ReceiptUpdate,
  type UnreadUpdate,
} from '@parley/protocol';
import { createExternalStore } from '@/lib/external-store';
import { initialFetchState, type FetchState } from '@/lib/fetch-state';

export interface ConversationsState {
  byId: Readonly<Record<string, Conversation>>;
  /** Cursor of the next (older) page: undefined before the first page, null once all are loaded. */
  nextCursor: string | null | undefined;
  /** The list's pages: the first is `latest`, the next ones `older`. */
  fetchState: FetchState;
  /** Whether the message requests the user received were loaded (they are listed apart). */
  requestsLoaded: boolean;
}

const initialState: ConversationsState = {
  byId: {},
  nextCursor: undefined,
  fetchState: initialFetchState,
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

/**
 * The counts kept within what the seqs allow: never more unread than messages after the
 * watermark, never more mentions than unread. Within that, the server's exact counts (deleted
 * messages left out) are kept as it gave them.
 */
function bounded(conversation: Conversation): Conversation {
  const unread = Math.min(
    conversation.unreadCount,
    unreadUpperBound(conversation.lastSeq, conversation.lastReadSeq),
  );
  const mentions = Math.min(conversation.mentionCount, unread);
  if (unread === conversation.unreadCount && mentions === conversation.mentionCount) {
    return conversation;
  }
  return { ...conversation, unreadCount: unread, mentionCount: mentions };
}

/** The member with their watermarks moved up to the given ones, never back. */
function withWatermarks(
  member: ConversationMember,
  deliveredSeq: number,
  readSeq: number,
): ConversationMember {
  const lastReadSeq = Math.max(member.lastReadSeq, readSeq);
  // Whoever read a message has received it.
  const lastDeliveredSeq = Math.max(member.lastDeliveredSeq, deliveredSeq, readSeq);
  if (lastReadSeq === member.lastReadSeq && lastDeliveredSeq === member.lastDeliveredSeq) {
    return member;
  }
  return { ...member, lastReadSeq, lastDeliveredSeq };
}

/** The members of the newer view, each keeping the higher watermarks of either view. */
function mergeMembers(
  existing: readonly ConversationMember[],
  incoming: ConversationMember[],
): ConversationMember[] {
  const known = new Map(existing.map((member) => [member.userId, member]));
  return incoming.map((member) => {
    const before = known.get(member.userId);
    return before ? withWatermarks(member, before.lastDeliveredSeq, before.lastReadSeq) : member;
  });
}

/**
 * Combines two views of one conversation: names and members from the newer, seqs and
 * watermarks by maximum; the counts of the view that is newer in both seqs (the server's exact
 * ones when it is the incoming page), else what the seqs leave unread.
 */
export function mergeConversation(
  existing: Conversation | undefined,
  incoming: Conversation,
): Conversation {
  if (!existing) return incoming;
  const lastMessage =
    (incoming.lastMessage?.seq ?? 0) >= (existing.lastMessage?.seq ?? 0)
      ? incoming.lastMessage
      : existing.lastMessage;
  const lastSeq = Math.max(existing.lastSeq, incoming.lastSeq);
  const lastReadSeq = Math.max(existing.lastReadSeq, incoming.lastReadSeq);
  const newer = (view: Conversation) =>
    view.lastSeq === lastSeq && view.lastReadSeq === lastReadSeq;
  const counts = newer(incoming)
    ? { unreadCount: incoming.unreadCount, mentionCount: incoming.mentionCount }
    : newer(existing)
      ? { unreadCount: existing.unreadCount, mentionCount: existing.mentionCount }
      : {
          unreadCount: unreadUpperBound(lastSeq, lastReadSeq),
          mentionCount: Math.min(existing.mentionCount, incoming.mentionCount),
        };
  return bounded({
    ...incoming,
    ...counts,
    // An update sent to a whole room leaves out the per-viewer flag: keep ours.
    request: incoming.request ?? existing.request,
    members: mergeMembers(existing.members, incoming.members),
    lastMessage,
    lastSeq,
    lastReadSeq,
    updatedAt: later(existing.updatedAt, incoming.updatedAt),
  });
}

/**
 * The conversation after `message`. A new message from someone else after the watermark counts
 * as unread (and as a mention when it mentions the viewer); the sender's own messages count as
 * read by them, and everything before them too.
 */
export function withMessage(
  conversation: Conversation,
  message: Message,
  ownUserId: string | null,
): Conversation {
  const isNewest = message.seq >= (conversation.lastMessage?.seq ?? 0);
  const own = message.senderId === ownUserId;
  let { unreadCount: unread, mentionCount: mentions } = conversation;
  if (own && message.seq >= conversation.lastSeq) {
    unread = 0;
    mentions = 0;
  } else if (
    !own &&
    message.seq > conversation.lastSeq &&
    message.seq > conversation.lastReadSeq &&
    message.deletedAt === null
  ) {
    unread += 1;
    if (ownUserId !== null && message.mentions.includes(ownUserId)) mentions += 1;
  }
  return bounded({
    ...conversation,
    unreadCount: unread,
    mentionCount: mentions,
    lastMessage: isNewest ? message : conversation.lastMessage,
    lastSeq: Math.max(conversation.lastSeq, message.seq),
    lastReadSeq: own ? Math.max(conversation.lastReadSeq, message.seq) : conversation.lastReadSeq,
    updatedAt: later(conversation.updatedAt, message.createdAt),
  });
}

/**
 * The conversation after the user read up to `lastReadSeq` (here or on another device, or a
 * deleted message stopped counting), with the server's counts at that watermark when known;
 * read to the end, nothing is unread.
 */
export function withRead(
  conversation: Conversation,
  lastReadSeq: number,
  unreadCount?: number,
  mentionCount?: number,
): Conversation {
  const readSeq = Math.max(conversation.lastReadSeq, lastReadSeq);
  if (unreadCount === undefined || lastReadSeq < conversation.lastReadSeq) {
    // No count, or one for a watermark behind ours: what the seqs leave.
    return bounded({ ...conversation, lastReadSeq: readSeq });
  }
  return bounded({
    ...conversation,
    lastReadSeq: readSeq,
    // The server may know of messages that have not reached this device yet.
    lastSeq: Math.max(conversation.lastSeq, lastReadSeq + unreadCount),
    unreadCount,
    mentionCount: mentionCount ?? conversation.mentionCount,
  });
}

/** The conversation after a member's `receipt:update`: their watermarks move forward only. */
export function withReceipt(conversation: Conversation, update: ReceiptUpdate): Conversation {
  let changed = false;
  const members = conversation.members.map((member) => {
    if (member.userId !== update.userId) return member;
    const moved = withWatermarks(member, update.deliveredSeq, update.readSeq);
    changed ||= moved !== member;
    return moved;
  });
  return changed ? { ...conversation, members } : conversation;
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
  const next = recipe(existing);
  if (next === existing) return true;
  conversationsCache.update((state) => ({
    ...state,
    byId: { ...state.byId, [conversationId]: next },
  }));
  return true;
}

/**
 * Applies a `conversation:updated`: the shared form keeps our own read state. False when it is
 * the shared form of a conversation the cache does not hold (fetch it).
 */
export function applyConversationUpdate(update: ConversationUpdate): boolean {
  const known = conversationsCache.get().byId[update.id];
  const conversation = mergeConversationUpdate(known, update);
  if (!conversation) return false;
  // The shared form has the room's lastSeq but our counts as they were: keep our lastSeq, so
  // the messages behind it still count when they arrive.
  const shared = known !== undefined && !isViewerConversation(update);
  upsertConversations([shared ? { ...conversation, lastSeq: known.lastSeq } : conversation]);
  return true;
}

/** Applies a message; false when the conversation is not in the cache (fetch it). */
export function applyMessage(message: Message, ownUserId: string | null): boolean {
  return updateOne(message.conversationId, (conversation) =>
    withMessage(conversation, message, ownUserId),
  );
}

export function applyRead(
  conversationId: string,
  lastReadSeq: number,
  unreadCount?: number,
  mentionCount?: number,
): void {
  updateOne(conversationId, (conversation) =>
    withRead(conversation, lastReadSeq, unreadCount, mentionCount),
  );
}

export function applyUnreadUpdate(update: UnreadUpdate): void {
  applyRead(update.conversationId, update.lastReadSeq, update.unreadCount, update.mentionCount);
}

/**
 * The conversation after a change to one of its messages: the preview follows an edit or a
 * delete of the last message (a deleted one never shows its old text).
 */
export function withMessageChange(conversation: Conversation, message: Message): Conversation {
  const last = conversation.lastMessage;
  if (!last || last.seq !== message.seq || last.rev >= message.rev) return conversation;
  return { ...conversation, lastMessage: message };
}

export function applyMessageChange(message: Message): void {
  updateOne(message.conversationId, (conversation) => withMessageChange(conversation, message));
}

/** Applies a member's receipt; one of a conversation the cache does not hold is left out. */
export function applyReceipt(update: ReceiptUpdate): void {
  updateOne(update.conversationId, (conversation) => withReceipt(conversation, update));
}

export function removeConversation(conversationId: string): void {
  conversationsCache.update((state) => {
    if (!state.byId[conversationId]) return state;
    const { [conversationId]: _removed, ...byId } = state.byId;
    return { ...state, byId };
  });
}
