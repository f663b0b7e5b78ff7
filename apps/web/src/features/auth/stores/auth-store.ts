import type { User } from '@parley/protocol';
import { create } from 'zustand';

/** Which screen the session is at: the cookie being tried, the chat, or the sign-in form. */
export type SessionPhase = 'restoring' | 'signedIn' | 'signedOut';

interface AuthState {
  /** The signed-in user's id is not kept here: the SDK owns it (`client.userId`). */
  phase: SessionPhase;
  /** Their profile, once known (after a reload it comes from GET /users/me). */
  user: User | null;
  /** Why the last session ended, for the sign-in screen. */
  notice: string | null;
  restoreStarted: () => void;
  signedIn: (user: User | null) => void;
  profileLoaded: (user: User) => void;
  signedOut: (notice?: string) => void;
}

export const useAuthStore = create<AuthState>()((set) => ({
  phase: 'signedOut',
  user: null,
  notice: null,
  restoreStarted: () => set({ phase: 'restoring' }),
  signedIn: (user) => set({ phase: 'signedIn', user, notice: null }),
  profileLoaded: (user) => set({ user }),
  signedOut: (notice) => set({ phase: 'signedOut', user: null, notice: notice ?? null }),
}));
