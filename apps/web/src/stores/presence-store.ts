import type { PresenceEvent } from '@parley/protocol';
import { create } from 'zustand';

export interface Presence {
  online: boolean;
  lastSeenAt: string | null;
}

interface PresenceState {
  byUserId: Record<string, Presence>;
  apply: (event: PresenceEvent) => void;
  /** The socket dropped: nobody is known to be online until the server says so again. */
  markAllOffline: () => void;
  reset: () => void;
}

/** Who is online: pushed by the server (on connect for peers already online, then on change). */
export const usePresenceStore = create<PresenceState>()((set) => ({
  byUserId: {},
  apply: (event) =>
    set((state) => ({
      byUserId: {
        ...state.byUserId,
        [event.userId]: { online: event.status === 'online', lastSeenAt: event.lastSeenAt },
      },
    })),
  markAllOffline: () =>
    set((state) => ({
      byUserId: Object.fromEntries(
        Object.entries(state.byUserId).map(([userId, presence]) => [
          userId,
          { ...presence, online: false },
        ]),
      ),
    })),
  reset: () => set({ byUserId: {} }),
}));

export const useIsOnline = (userId: string | null | undefined): boolean =>
  usePresenceStore((state) => (userId ? (state.byUserId[userId]?.online ?? false) : false));
