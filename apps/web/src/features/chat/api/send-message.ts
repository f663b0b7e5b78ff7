import { isFinalSendError, type ParleyClient, type SendOptions } from '@parley/client';
import type { Message } from '@parley/protocol';
import { errorMessage } from '@/utils/error-message';
import { useRejectedSendsStore } from '../stores/rejected-sends-store';

/**
 * Keeps a message the server refused for good, which the SDK drops from its outbox. Other
 * failures leave a `failed` entry in the outbox, shown with Retry from there; success needs
 * nothing here: the message arrives as the SDK's `message` event, in order.
 */
function keepIfRefused(
  sending: Promise<Message>,
  conversationId: string,
  content: string,
  options: SendOptions = {},
): void {
  const queuedAt = new Date().toISOString();
  sending.catch((error: unknown) => {
    if (!isFinalSendError(error)) return;
    useRejectedSendsStore.getState().add({
      localId: crypto.getRandomValues(new Uint32Array(2)).join('-'),
      conversationId,
      content,
      options,
      queuedAt,
      error: errorMessage(error),
    });
  });
}

/**
 * Sends through the SDK's outbox: the message shows as pending at once (the `outbox` event),
 * goes out when connected, exactly once, and turns into the stored message when the SDK
 * releases it as a `message`.
 */
export function sendMessage(
  client: ParleyClient,
  conversationId: string,
  content: string,
  options: SendOptions = {},
): void {
  keepIfRefused(client.send(conversationId, content, options), conversationId, content, options);
}

/** Sends a `failed` outbox entry again. */
export function retryOutboxEntry(
  client: ParleyClient,
  clientMsgId: string,
  conversationId: string,
  content: string,
): void {
  keepIfRefused(client.retrySend(clientMsgId), conversationId, content);
}

/** Sends a refused message again, as a new message. */
export function retryRejected(client: ParleyClient, localId: string): void {
  const store = useRejectedSendsStore.getState();
  const entry = store.entries.find((rejected) => rejected.localId === localId);
  if (!entry) return;
  store.remove(localId);
  sendMessage(client, entry.conversationId, entry.content, entry.options);
}
