import type { SendOptions } from '@parley/client';
import { create } from 'zustand';

export interface RejectedSend {
  localId: string;
  conversationId: string;
  content: string;
  /** What it answers and whom it mentions: a retry sends them again. */
  options: SendOptions;
  queuedAt: string;
  error: string;
}

interface RejectedSendsState {
  /**
   * Messages the server refused for good (VALIDATION, NOT_FOUND, FORBIDDEN): the SDK drops them
   * from its outbox, so they are kept here to show "Not sent" with Retry instead of vanishing.
   */
  entries: readonly RejectedSend[];
  add: (entry: RejectedSend) => void;
  remove: (localId: string) => void;
  clear: () => void;
}

export const useRejectedSendsStore = create<RejectedSendsState>()((set) => ({
  entries: [],
  add: (entry) => set((state) => ({ entries: [...state.entries, entry] })),
  remove: (localId) =>
    set((state) => ({ entries: state.entries.filter((entry) => entry.localId !== localId) })),
  clear: () => set({ entries: [] }),
}));
