import type { ParleyClient } from '@parley/client';
import type { User } from '@parley/protocol';
import { useCallback, useEffect } from 'react';
import { hydrateReceipts } from '@/features/chat/api/receipts-cache';
import { useAuthStore } from '@/features/auth/stores/auth-store';
import { useSocketEvent } from '@/hooks/use-socket';
import { useParleyClient } from '@/lib/parley-client';
import { AppProvider } from './provider';
import { resetSessionData } from './reset-session-data';
import { ChatPage } from './routes/chat-page';
import { SignInPage } from './routes/sign-in-page';
import { useTabSync } from './use-tab-sync';

export function App({ client }: { client: ParleyClient }) {
  return (
    <AppProvider client={client}>
      <Session />
    </AppProvider>
  );
}

/**
 * The one place that handles the end of a session: the SDK refreshes tokens itself (before
 * they expire, and after a 401) and reports `signedOut` only when the refresh was refused.
 */
function Session() {
  const client = useParleyClient();
  const userId = useAuthStore((state) => state.userId);
  const signedIn = useAuthStore((state) => state.signedIn);
  const signedOut = useAuthStore((state) => state.signedOut);
  const profileLoaded = useAuthStore((state) => state.profileLoaded);

  const onSessionEnded = useCallback(() => {
    resetSessionData();
    signedOut('Your session has ended. Please log in again.');
  }, [signedOut]);
  useSocketEvent('signedOut', onSessionEnded);

  const onSignedOutElsewhere = useCallback(() => {
    client.logout().catch(() => undefined);
    resetSessionData();
    signedOut('You logged out in another tab.');
  }, [client, signedOut]);
  useTabSync(onSignedOutElsewhere);

  // Tokens kept from an earlier visit: signed in already; the profile follows.
  useEffect(() => {
    if (!userId) return;
    // The session may have ended before this component listened (a refused refresh at start).
    if (client.userId !== userId) {
      onSessionEnded();
      return;
    }
    hydrateReceipts(userId);
    if (client.user?.id === userId) return;
    client.http.me().then(profileLoaded, () => undefined);
  }, [client, userId, profileLoaded, onSessionEnded]);

  const onSignedIn = useCallback((user: User) => signedIn(user.id, user), [signedIn]);

  const onLogout = useCallback(() => {
    client.logout().catch(() => undefined);
    resetSessionData();
    signedOut();
  }, [client, signedOut]);

  if (!userId) return <SignInPage onSignedIn={onSignedIn} />;
  return <ChatPage key={userId} ownUserId={userId} onLogout={onLogout} />;
}
