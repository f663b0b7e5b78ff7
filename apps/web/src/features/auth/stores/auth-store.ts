import type { User } from '@parley/protocol';
import { create } from 'zustand';

interface AuthState {
  /** The signed-in user's id, or null on the sign-in screen. */
  userId: string | null;
  /** Their profile, once known (after a reload it comes from GET /users/me). */
  user: User | null;
  /** Why the last session ended, for the sign-in screen. */
  notice: string | null;
  /** A new page is getting its session back from the cookie (restore-session.ts). */
  restoring: boolean;
  restoreStarted: () => void;
  signedIn: (userId: string, user: User | null) => void;
  profileLoaded: (user: User) => void;
  signedOut: (notice?: string) => void;
}

export const useAuthStore = create<AuthState>()((set) => ({
  userId: null,
  user: null,
  notice: null,
  restoring: false,
  restoreStarted: () => set({ restoring: true }),
  signedIn: (userId, user) => set({ userId, user, notice: null, restoring: false }),
  profileLoaded: (user) => set((state) => (state.userId === user.id ? { user } : state)),
  signedOut: (notice) =>
    set({ userId: null, user: null, notice: notice ?? null, restoring: false }),
}));
