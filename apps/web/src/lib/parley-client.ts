import { ParleyClient } from '@parley/client';
import { createContext, useContext } from 'react';
import { coordinatedRefreshFetch } from './refresh-coordinator';
import { readStoredTokens, storeTokens } from './token-storage';

/**
 * The one client of the page: it owns the session (tokens in localStorage, refreshed before they
 * expire and after a 401) and the one socket. Create it once per page: two clients spending one
 * refresh token would get the session revoked (other tabs are handled by the fetch below).
 */
export function createParleyClient(baseUrl: string): ParleyClient {
  let client: ParleyClient | null = null;
  client = new ParleyClient({
    baseUrl,
    tokens: readStoredTokens(),
    onTokens: storeTokens,
    // Tabs of this browser share one session: see refresh-coordinator.ts.
    fetch: coordinatedRefreshFetch({
      fetch: globalThis.fetch.bind(globalThis),
      readStored: readStoredTokens,
      store: storeTokens,
      currentUserId: () => client?.userId ?? null,
      locks: globalThis.navigator?.locks,
    }),
    // A person waits for the chat to come back: retry sooner than the SDK's 30 s ceiling.
    backoff: { initialDelayMs: 1000, maxDelayMs: 10_000 },
  });
  return client;
}

export const ParleyClientContext = createContext<ParleyClient | null>(null);

export function useParleyClient(): ParleyClient {
  const client = useContext(ParleyClientContext);
  if (!client) throw new Error('useParleyClient needs a ParleyClientContext provider');
  return client;
}
