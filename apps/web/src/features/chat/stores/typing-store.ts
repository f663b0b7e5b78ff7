import { create } from 'zustand';

/** How long a "typing" lasts without a refresh: senders repeat it every few seconds. */
export const TYPING_TIMEOUT_MS = 6000;

interface TypingState {
  /** conversationId -> userId -> when the indicator expires (ms since epoch). */
  byConversation: Readonly<Record<string, Readonly<Record<string, number>>>>;
  setTyping: (conversationId: string, userId: string, isTyping: boolean) => void;
  clear: () => void;
}

const timers = new Map<string, ReturnType<typeof setTimeout>>();

export const useTypingStore = create<TypingState>()((set, get) => ({
  byConversation: {},
  setTyping: (conversationId, userId, isTyping) => {
    const key = `${conversationId}:${userId}`;
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.delete(key);
    const current = get().byConversation[conversationId] ?? {};
    if (isTyping) {
      timers.set(
        key,
        setTimeout(() => get().setTyping(conversationId, userId, false), TYPING_TIMEOUT_MS),
      );
      set((state) => ({
        byConversation: {
          ...state.byConversation,
          [conversationId]: { ...current, [userId]: Date.now() + TYPING_TIMEOUT_MS },
        },
      }));
    } else if (userId in current) {
      const { [userId]: _stopped, ...rest } = current;
      set((state) => ({ byConversation: { ...state.byConversation, [conversationId]: rest } }));
    }
  },
  clear: () => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    set({ byConversation: {} });
  },
}));

const noTypists: Readonly<Record<string, number>> = {};

/** Who is typing in a conversation (user ids). */
export const useTypists = (conversationId: string) =>
  useTypingStore((state) => state.byConversation[conversationId] ?? noTypists);
