import { quotedMessagesCache } from '@/features/chat/api/message-changes';
import { resetMessagesCache } from '@/features/chat/api/messages-cache';
import { useComposerModeStore } from '@/features/chat/stores/composer-mode-store';
import { useDraftsStore } from '@/features/chat/stores/drafts-store';
import { useRejectedSendsStore } from '@/features/chat/stores/rejected-sends-store';
import { useTypingStore } from '@/features/chat/stores/typing-store';
import { resetConversationsCache } from '@/features/conversations/api/conversations-cache';
import { usePresenceStore } from '@/stores/presence-store';

/** Forgets everything of the signed-out user: caches and stores. */
export function resetSessionData(): void {
  resetConversationsCache();
  resetMessagesCache();
  quotedMessagesCache.update(() => ({}));
  useComposerModeStore.getState().clear();
  useDraftsStore.getState().clear();
  useRejectedSendsStore.getState().clear();
  useTypingStore.getState().clear();
  usePresenceStore.getState().reset();
}
