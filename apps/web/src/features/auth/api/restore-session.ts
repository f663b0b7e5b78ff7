import { isSessionRejected, type ParleyClient } from '@parley/client';
import { hasLegacyTokens, moveLegacyTokensToCookie } from '@/lib/legacy-tokens';
import { readSessionHint, storeSessionHint } from '@/lib/session-hint';
import { useAuthStore } from '../stores/auth-store';

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000];

/**
 * On page load: if this browser was signed in, gets an access token with the session cookie
 * (first moving a token pair an earlier version kept into the cookie). A refused cookie
 * (expired, revoked, gone) ends the session with a notice; while the API cannot be reached, it
 * keeps trying.
 */
export async function restoreSession(client: ParleyClient, baseUrl: string): Promise<void> {
  if (!readSessionHint() && !hasLegacyTokens()) return;
  const auth = useAuthStore.getState();
  auth.restoreStarted();
  await moveLegacyTokensToCookie(baseUrl);
  if (!readSessionHint()) {
    auth.signedOut();
    return;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const userId = await client.resumeSession();
      storeSessionHint(userId);
      auth.signedIn(null);
      return;
    } catch (error) {
      if (isSessionRejected(error)) {
        storeSessionHint(null);
        auth.signedOut('Your session has ended. Please log in again.');
        return;
      }
    }
    const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
