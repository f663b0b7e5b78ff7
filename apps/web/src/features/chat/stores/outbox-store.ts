import type { OutboxEntry } from '@parley/client';
import { create } from 'zustand';

interface OutboxState {
  /** The SDK's outbox: our messages the server has not confirmed yet, oldest first. */
  entries: readonly OutboxEntry[];
  setEntries: (entries: readonly OutboxEntry[]) => void;
}

export const useOutboxStore = create<OutboxState>()((set) => ({
  entries: [],
  setEntries: (entries) => set({ entries }),
}));
