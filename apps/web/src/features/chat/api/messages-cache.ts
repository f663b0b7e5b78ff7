import type { Message } from '@parley/protocol';
import { createExternalStore } from '@/lib/external-store';
import { initialFetchState, type FetchState } from '@/lib/fetch-state';

export interface ConversationMessages {
  /** Ascending by seq, each seq once. */
  messages: readonly Message[];
  /** The latest page came over REST. */
  loaded: boolean;
  /** `foundOldest`: a page said `hasMore: false`, or seq 1 is here. */
  fetchState: FetchState;
}

export const emptyConversationMessages: ConversationMessages = {
  messages: [],
  loaded: false,
  fetchState: initialFetchState,
};

export type MessagesState = Readonly<Record<string, ConversationMessages>>;

/**
 * Message history per conversation, fed by REST pages (latest and older), by every `message`
 * event of the SDK (live, synced after a reconnect, and acks of our own sends) and by send
 * results. All of them merge by seq, so overlaps and any arrival order leave one copy each.
 */
export const messagesCache = createExternalStore<MessagesState>({});

export function resetMessagesCache(): void {
  messagesCache.update(() => ({}));
}

/** The later of two states of one message: edits, deletes and reactions raise its `rev`. */
export function laterState(existing: Message, incoming: Message): Message {
  return incoming.rev > existing.rev ? incoming : existing;
}

/**
 * `existing` and `incoming` merged: ascending by seq, one message per seq, each in its latest
 * state (the highest `rev`), so a stale page never undoes an edit that arrived live.
 */
export function mergeMessages(
  existing: readonly Message[],
  incoming: readonly Message[],
): readonly Message[] {
  if (incoming.length === 0) return existing;
  const lastSeq = existing.at(-1)?.seq ?? 0;
  // The common case, a new message at the end: no re-sort.
  if (incoming.length === 1 && incoming[0]!.seq > lastSeq) return [...existing, incoming[0]!];
  const bySeq = new Map<number, Message>();
  for (const message of existing) bySeq.set(message.seq, message);
  let changed = false;
  for (const message of incoming) {
    const known = bySeq.get(message.seq);
    const next = known ? laterState(known, message) : message;
    if (next !== known) {
      bySeq.set(message.seq, next);
      changed = true;
    }
  }
  if (!changed) return existing;
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export function updateConversationMessages(
  conversationId: string,
  recipe: (current: ConversationMessages) => ConversationMessages,
): void {
  messagesCache.update((state) => {
    const current = state[conversationId] ?? emptyConversationMessages;
    const next = recipe(current);
    return next === current ? state : { ...state, [conversationId]: next };
  });
}

/**
 * Merges messages into a conversation's history. A conversation nobody opened yet keeps none:
 * its latest page is loaded when it opens; the messages that arrive while that page loads are
 * kept, so none falls between the page and the live stream.
 */
export function addMessages(conversationId: string, messages: readonly Message[]): void {
  const existing = messagesCache.get()[conversationId];
  if (!existing || !(existing.loaded || existing.fetchState.loading)) return;
  updateConversationMessages(conversationId, (current) => {
    const merged = mergeMessages(current.messages, messages);
    if (merged === current.messages) return current;
    const foundOldest = current.fetchState.foundOldest || merged[0]?.seq === 1;
    return { ...current, messages: merged, fetchState: { ...current.fetchState, foundOldest } };
  });
}

/**
 * A message's new state (`message:updated`, or the answer to our own edit, delete or reaction):
 * replaces the held copy when it is newer. A message not held is left to the page that loads it.
 */
export function applyMessageUpdate(message: Message): void {
  const current = messagesCache.get()[message.conversationId];
  if (!current?.messages.some((held) => held.seq === message.seq)) return;
  addMessages(message.conversationId, [message]);
}

export function forgetConversationMessages(conversationId: string): void {
  messagesCache.update((state) => {
    if (!state[conversationId]) return state;
    const { [conversationId]: _forgotten, ...rest } = state;
    return rest;
  });
}
