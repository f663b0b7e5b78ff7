import { afterEach } from 'vitest';
import { useTestApp } from '../../../../apps/api/test/support/api-context.js';
import { uniqueUsername } from '../../../../apps/api/test/support/test-app.js';
import {
  ParleyClient,
  type ConnectionStatus,
  type ParleyClientEvents,
  type ParleyClientOptions,
} from '../../src/index.js';

export const PASSWORD = 'correct horse battery';

/** Short delays: tests wait for reconnection and retries. */
export const FAST_BACKOFF = { initialDelayMs: 100, maxDelayMs: 1000, randomizationFactor: 0.5 };

const openClients = new Set<ParleyClient>();

/** A client of a newly registered user (closed after the test). */
export async function signUp(
  baseUrl: string,
  name: string,
  options: Partial<ParleyClientOptions> = {},
): Promise<ParleyClient> {
  const client = new ParleyClient({ baseUrl, backoff: FAST_BACKOFF, ...options });
  openClients.add(client);
  await client.register({ username: uniqueUsername(name), password: PASSWORD });
  return client;
}

/** A client from stored state, e.g. an app restart (closed after the test). */
export function reopen(options: ParleyClientOptions): ParleyClient {
  const client = new ParleyClient({ backoff: FAST_BACKOFF, ...options });
  openClients.add(client);
  return client;
}

function closeClients(): void {
  for (const client of openClients) client.close();
  openClients.clear();
}

/**
 * The API for an SDK suite: started before its tests, closed after them, with every client a
 * test opened (`signUp`, `reopen`) closed after that test. Read `baseUrl` inside tests.
 */
export function useApi(environment: Record<string, string> = {}) {
  const api = useTestApp(environment);
  afterEach(() => closeClients());
  return api;
}

/** Everything `client` emits as `event` from now on. */
export function record<Event extends keyof ParleyClientEvents>(
  client: ParleyClient,
  event: Event,
): Parameters<ParleyClientEvents[Event]>[0][] {
  const seen: Parameters<ParleyClientEvents[Event]>[0][] = [];
  const listener = (...args: unknown[]) => seen.push(args[0] as never);
  client.on(event, listener as ParleyClientEvents[Event]);
  return seen;
}

export function untilStatus(client: ParleyClient, status: ConnectionStatus): Promise<void> {
  return new Promise((resolve) => {
    const stop = client.on('status', (current) => {
      if (current !== status) return;
      stop();
      resolve();
    });
  });
}
