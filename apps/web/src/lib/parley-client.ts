import { ParleyClient } from '@parley/client';
import { createContext, useContext } from 'react';
import { coordinatedRefreshFetch } from './refresh-coordinator';

/**
 * The one client of the page. Its session is a cookie session: the refresh token lives in the
 * server's HttpOnly cookie, which no script (nor an injected one) can read; the access token
 * lives in this client's memory only, and a new page gets one with `resumeSession`. Create it
 * once per page; the tabs of the browser take turns at the auth routes (refresh-coordinator.ts).
 */
export function createParleyClient(baseUrl: string): ParleyClient {
  return new ParleyClient({
    baseUrl,
    session: 'cookie',
    fetch: coordinatedRefreshFetch({
      fetch: globalThis.fetch.bind(globalThis),
      locks: globalThis.navigator?.locks,
    }),
    // A person waits for the chat to come back: retry sooner than the SDK's 30 s ceiling.
    backoff: { initialDelayMs: 1000, maxDelayMs: 10_000 },
  });
}

export const ParleyClientContext = createContext<ParleyClient | null>(null);

export function useParleyClient(): ParleyClient {
  const client = useContext(ParleyClientContext);
  if (!client) throw new Error('useParleyClient needs a ParleyClientContext provider');
  return client;
}
