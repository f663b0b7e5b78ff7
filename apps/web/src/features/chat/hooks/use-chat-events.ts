import { useEffect, useRef } from 'react';
import { useSocket, useSocketEvent } from '@/hooks/use-socket';
import { applyQuotedUpdate } from '../api/message-changes';
import { addMessages, applyMessageUpdate, forgetConversationMessages } from '../api/messages-cache';
import { useTypingStore } from '../stores/typing-store';

/** Delivered receipts of a burst (a sync brings many messages) go out as one per conversation. */
const DELIVERED_BATCH_MS = 150;

/**
 * Feeds the chat's caches and stores from the SDK: messages, typing; and
 * tells the server which messages reached this device (markDelivered).
 */
export function useChatEvents(ownUserId: string): void {
  const { client } = useSocket();
  const setTyping = useTypingStore((state) => state.setTyping);
  const clearTyping = useTypingStore((state) => state.clear);
  const delivered = useRef(new Map<string, number>());
  const deliveredTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    const pending = delivered.current;
    return () => {
      if (deliveredTimer.current) clearTimeout(deliveredTimer.current);
      deliveredTimer.current = null;
      pending.clear();
    };
  }, [client]);

  const flushDelivered = () => {
    deliveredTimer.current = null;
    for (const [conversationId, seq] of delivered.current) {
      // Best effort: a later markRead or markDelivered moves the watermark past it anyway.
      client.markDelivered(conversationId, seq).catch(() => undefined);
    }
    delivered.current.clear();
  };

  useSocketEvent('message', (message) => {
    addMessages(message.conversationId, [message]);
    if (message.senderId === ownUserId) return;
    setTyping(message.conversationId, message.senderId, false);
    const queued = delivered.current.get(message.conversationId) ?? 0;
    delivered.current.set(message.conversationId, Math.max(queued, message.seq));
    deliveredTimer.current ??= setTimeout(flushDelivered, DELIVERED_BATCH_MS);
  });
  // An edit, delete or reaction (live, or found by sync after a reconnect): the whole new state.
  useSocketEvent('messageUpdated', (message) => {
    applyMessageUpdate(message);
    applyQuotedUpdate(message);
  });
  useSocketEvent('typing', (event) => {
    if (event.userId !== ownUserId) setTyping(event.conversationId, event.userId, event.isTyping);
  });
  useSocketEvent('removed', ({ conversationId }) => forgetConversationMessages(conversationId));
  useSocketEvent('status', (status) => {
    if (status !== 'connected') clearTyping();
  });
}
