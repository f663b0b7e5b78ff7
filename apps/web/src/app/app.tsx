import type { ParleyClient } from '@parley/client';
import type { User } from '@parley/protocol';
import { useCallback, useEffect } from 'react';
import { useAuthStore } from '@/features/auth/stores/auth-store';
import { useClientValue } from '@/hooks/use-client-value';
import { useSocketEvent } from '@/hooks/use-socket';
import { useParleyClient } from '@/lib/parley-client';
import { storeSessionHint } from '@/lib/session-hint';
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
  const phase = useAuthStore((state) => state.phase);
  const signedIn = useAuthStore((state) => state.signedIn);
  const signedOut = useAuthStore((state) => state.signedOut);
  const profileLoaded = useAuthStore((state) => state.profileLoaded);
  // The SDK owns the id. It is read at every render (a sign-in re-renders through `phase`);
  // `signedOut` is the one change of it that comes without a render of ours.
  const clientUserId = useClientValue('signedOut', (current) => current.userId);
  const userId = phase === 'signedIn' ? clientUserId : null;

  const onSessionEnded = useCallback(() => {
    storeSessionHint(null);
    resetSessionData();
    signedOut('Your session has ended. Please log in again.');
  }, [signedOut]);
  useSocketEvent('signedOut', onSessionEnded);

  // That tab's logout ended the session on the server and cleared the cookie already.
  const onSignedOutElsewhere = useCallback(() => {
    client.forgetSession();
    resetSessionData();
    signedOut('You logged out in another tab.');
  }, [client, signedOut]);
  useTabSync(onSignedOutElsewhere);

  // A session restored from the cookie: signed in already; the profile follows.
  useEffect(() => {
    if (!userId || client.user?.id === userId) return;
    client.http.me().then(
      (user) => {
        // Still the same session: a late answer must not show someone else's profile.
        if (user.id === client.userId) profileLoaded(user);
      },
      () => undefined,
    );
  }, [client, userId, profileLoaded]);

  const onSignedIn = useCallback(
    (user: User) => {
      storeSessionHint(user.id);
      signedIn(user);
    },
    [signedIn],
  );

  const onLogout = useCallback(() => {
    storeSessionHint(null);
    client.logout().catch(() => undefined);
    resetSessionData();
    signedOut();
  }, [client, signedOut]);

  if (phase === 'restoring') return <RestoringPage />;
  if (!userId) return <SignInPage onSignedIn={onSignedIn} />;
  return <ChatPage key={userId} ownUserId={userId} onLogout={onLogout} />;
}

/** While a new page gets its session back from the cookie (or waits for the API to answer). */
function RestoringPage() {
  return (
    <main className="flex min-h-dvh items-center justify-center bg-slate-50">
      <p role="status" className="flex items-center gap-2 text-sm font-medium text-slate-600">
        <span
          aria-hidden="true"
          className="size-3 animate-spin rounded-full border-2 border-slate-400/30 border-t-slate-600"
        />
        Connecting...
      </p>
    </main>
  );
}
