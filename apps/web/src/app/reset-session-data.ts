import { resetMessagesCache } from '@/features/chat/api/messages-cache';
import { resetReceipts } from '@/features/chat/api/receipts-cache';
import { useDraftsStore } from '@/features/chat/stores/drafts-store';
import { useRejectedSendsStore } from '@/features/chat/stores/rejected-sends-store';
import { useTypingStore } from '@/features/chat/stores/typing-store';
import { resetConversationsCache } from '@/features/conversations/api/conversations-cache';
import { useConnectionStore } from '@/stores/connection-store';
import { usePresenceStore } from '@/stores/presence-store';

/** Forgets everything of the signed-out user: caches, stores, kept receipts. */
export function resetSessionData(): void {
  resetConversationsCache();
  resetMessagesCache();
  resetReceipts();
  useDraftsStore.getState().clear();
  useRejectedSendsStore.getState().clear();
  useTypingStore.getState().clear();
  usePresenceStore.getState().reset();
  useConnectionStore.getState().reset();
}
