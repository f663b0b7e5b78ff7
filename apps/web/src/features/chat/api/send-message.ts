import { ParleySocketError, type ParleyClient } from '@parley/client';
import type { Message } from '@parley/protocol';
import { errorMessage } from '@/utils/error-message';
import { useRejectedSendsStore } from '../stores/rejected-sends-store';
import { addMessages } from './messages-cache';

/** Refusals after which the SDK drops the message from its outbox. */
const FINAL_CODES = new Set(['VALIDATION', 'NOT_FOUND', 'FORBIDDEN']);

function settle(sending: Promise<Message>, conversationId: string, content: string): void {
  const queuedAt = new Date().toISOString();
  sending.then(
    // The ack can come before the ledger releases the message (a gap ahead of it): show it now.
    (message) => addMessages(message.conversationId, [message]),
    (error: unknown) => {
      // Other failures leave a `failed` entry in the outbox, shown with Retry from there.
      if (!(error instanceof ParleySocketError) || !FINAL_CODES.has(error.code)) return;
      useRejectedSendsStore.getState().add({
        localId: crypto.getRandomValues(new Uint32Array(2)).join('-'),
        conversationId,
        content,
        queuedAt,
        error: errorMessage(error),
      });
    },
  );
}

/**
 * Sends through the SDK's outbox: the message shows as pending at once (the `outbox` event),
 * goes out when connected, exactly once, and turns into the stored message on its ack.
 */
export function sendMessage(client: ParleyClient, conversationId: string, content: string): void {
  settle(client.send(conversationId, content), conversationId, content);
}

/** Sends a `failed` outbox entry again. */
export function retryOutboxEntry(
  client: ParleyClient,
  clientMsgId: string,
  conversationId: string,
  content: string,
): void {
  settle(client.retrySend(clientMsgId), conversationId, content);
}

/** Sends a refused message again, as a new message. */
export function retryRejected(client: ParleyClient, localId: string): void {
  const store = useRejectedSendsStore.getState();
  const entry = store.entries.find((rejected) => rejected.localId === localId);
  if (!entry) return;
  store.remove(localId);
  sendMessage(client, entry.conversationId, entry.content);
}
