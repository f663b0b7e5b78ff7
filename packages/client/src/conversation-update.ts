import { isViewerConversation, type Conversation, type ConversationUpdate } from '@parley/protocol';

/**
 * The conversation after a `conversation:updated`. The whole form (sent to the user's own room)
 * replaces what was known; the shared form (sent to the conversation's room, without
 * `unreadCount`, `mentionCount`, `lastReadSeq` and `request`) keeps the known conversation's own
 * values, as the contract's v2 fan-out rules ask. Undefined for the shared form of a
 * conversation not known yet: its read state is only the server's to tell, so fetch it
 * (`http.getConversation`).
 * @example
 * client.on('conversation', (update) => {
 *   const next = mergeConversationUpdate(conversations.get(update.id), update);
 *   if (next) conversations.set(next.id, next);
 *   else void client.http.getConversation(update.id).then((c) => conversations.set(c.id, c));
 * });
 */
export function mergeConversationUpdate(
  known: Conversation | undefined,
  update: ConversationUpdate,
): Conversation | undefined {
  if (isViewerConversation(update)) return update;
  if (!known) return undefined;
  const merged = {
    ...update,
    unreadCount: known.unreadCount,
    mentionCount: known.mentionCount,
    lastReadSeq: known.lastReadSeq,
  };
  return known.request === undefined ? merged : { ...merged, request: known.request };
}
