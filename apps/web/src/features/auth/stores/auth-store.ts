import type { User } from '@parley/protocol';
import { create } from 'zustand';

interface AuthState {
  /** The signed-in user's id, or null on the sign-in screen. */
  userId: string | null;
  /** Their profile, once known (after a reload it comes from GET /users/me). */
  user: User | null;
  /** Why the last session ended, for the sign-in screen. */
  notice: string | null;
  signedIn: (userId: string, user: User | null) => void;
  profileLoaded: (user: User) => void;
  signedOut: (notice?: string) => void;
}

export const useAuthStore = create<AuthState>()((set) => ({
  userId: null,
  user: null,
  notice: null,
  signedIn: (userId, user) => set({ userId, user, notice: null }),
  profileLoaded: (user) => set((state) => (state.userId === user.id ? { user } : state)),
  signedOut: (notice) => set({ userId: null, user: null, notice: notice ?? null }),
}));
