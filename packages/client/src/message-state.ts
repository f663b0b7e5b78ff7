import type { Message } from '@parley/protocol';

/**
 * The newer of two states of one message: every write to a message (its send, an edit, a
 * delete, a reaction change) takes the next `rev` of its conversation, so the higher `rev` is the
 * later state. `known` on a tie. For an app that holds messages from REST pages too: events and
 * pages can cross, and an older state must not overwrite a newer one.
 * @example
 * client.on('messageUpdated', (message) => {
 *   store.set(message.seq, latestMessageState(store.get(message.seq), message));
 * });
 */
export function latestMessageState(known: Message | undefined, incoming: Message): Message {
  return known !== undefined && known.rev >= incoming.rev ? known : incoming;
}
