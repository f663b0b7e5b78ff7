import { create } from 'zustand';

interface DraftsState {
  /** Unsent text per conversation, kept while switching chats. */
  byConversation: Readonly<Record<string, string>>;
  setDraft: (conversationId: string, text: string) => void;
  clear: () => void;
}

export const useDraftsStore = create<DraftsState>()((set) => ({
  byConversation: {},
  setDraft: (conversationId, text) =>
    set((state) => ({ byConversation: { ...state.byConversation, [conversationId]: text } })),
  clear: () => set({ byConversation: {} }),
}));
