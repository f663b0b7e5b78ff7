import { useCallback, useSyncExternalStore } from 'react';

/**
 * The app's only route state: which conversation is open, as `#/c/<id>`. A hash keeps the API's
 * static file serving unchanged (no fallback for deep paths) while reload, back and forward work.
 */
const CONVERSATION_HASH = /^#\/c\/([0-9a-f-]{36})$/i;

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

function openConversationId(): string | null {
  return CONVERSATION_HASH.exec(window.location.hash)?.[1]?.toLowerCase() ?? null;
}

export function useHashRoute(): {
  conversationId: string | null;
  openConversation: (conversationId: string | null) => void;
} {
  const conversationId = useSyncExternalStore(subscribe, openConversationId, () => null);
  const openConversation = useCallback((id: string | null) => {
    const hash = id ? `#/c/${id}` : '#/';
    if (window.location.hash !== hash) window.location.hash = hash;
  }, []);
  return { conversationId, openConversation };
}
