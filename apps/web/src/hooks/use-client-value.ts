import type { ParleyClient, ParleyClientEvents } from '@parley/client';
import { useCallback, useSyncExternalStore } from 'react';
import { useParleyClient } from '@/lib/parley-client';

/**
 * Reads a value the SDK owns and re-renders when the client emits `event`. The SDK stays the one
 * owner of the fact: nothing is copied into a store. `read` must return a value that keeps its
 * identity while unchanged (the client's own field, not a freshly built array).
 * @example const status = useClientValue('status', (client) => client.status);
 */
export function useClientValue<Value>(
  event: keyof ParleyClientEvents,
  read: (client: ParleyClient) => Value,
): Value {
  const client = useParleyClient();
  const subscribe = useCallback(
    (onChange: () => void) => client.on(event, onChange as ParleyClientEvents[typeof event]),
    [client, event],
  );
  return useSyncExternalStore(
    subscribe,
    () => read(client),
    () => read(client),
  );
}
