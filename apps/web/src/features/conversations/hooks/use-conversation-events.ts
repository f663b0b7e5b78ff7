import { useRef } from 'react';
import { useSocket, useSocketEvent } from '@/hooks/use-socket';
import { usePresenceStore } from '@/stores/presence-store';
import {
  fetchConversation,
  loadMoreConversations,
  refreshNewestConversations,
} from '../api/conversations';
import {
  applyConversationUpdate,
  applyMessageChange,
  applyMessage,
  applyReceipt,
  applyUnreadUpdate,
  conversationsCache,
  removeConversation,
} from '../api/conversations-cache';

/**
 * Keeps the conversation list current from the SDK's events (members' watermarks, the ticks'
 * one source, included), and presence with it.
 */
export function useConversationEvents(ownUserId: string): void {
  const { client } = useSocket();
  const applyPresence = usePresenceStore((state) => state.apply);
  const markAllOffline = usePresenceStore((state) => state.markAllOffline);
  const connectedBefore = useRef(false);

  useSocketEvent('message', (message) => {
    if (!applyMessage(message, ownUserId)) {
      // A conversation we have not listed yet (new, or beyond the loaded pages).
      fetchConversation(client, message.conversationId).catch(() => undefined);
    }
  });
  useSocketEvent('conversation', (update) => {
    if (!applyConversationUpdate(update)) {
      // A shared update of a conversation we have not listed yet: its read state is the server's.
      fetchConversation(client, update.id).catch(() => undefined);
    }
  });
  useSocketEvent('messageUpdated', applyMessageChange);
  useSocketEvent('unread', applyUnreadUpdate);
  useSocketEvent('receipt', applyReceipt);
  useSocketEvent('removed', ({ conversationId }) => removeConversation(conversationId));
  useSocketEvent('presence', applyPresence);
  useSocketEvent('status', (status) => {
    if (status === 'reconnecting') markAllOffline();
    if (status !== 'connected') return;
    const { nextCursor, fetchState } = conversationsCache.get();
    // The first page failed (the API was down when the page loaded): try again now.
    if (nextCursor === undefined || fetchState.error) void loadMoreConversations(client);
    else if (connectedBefore.current) refreshNewestConversations(client).catch(() => undefined);
    connectedBefore.current = true;
  });
}
