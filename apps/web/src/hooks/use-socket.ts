import type { ConnectionStatus, ParleyClient, ParleyClientEvents } from '@parley/client';
import { useEffect, useEffectEvent } from 'react';
import { useParleyClient } from '@/lib/parley-client';
import { useClientValue } from './use-client-value';

/**
 * The SDK's socket for React: the one client and its connection status. The SDK owns the
 * connection (reconnects, token refresh, sync, outbox); components only read and listen.
 * @example const { client, status } = useSocket();
 */
export function useSocket(): { client: ParleyClient; status: ConnectionStatus } {
  const client = useParleyClient();
  const status = useClientValue('status', (current) => current.status);
  return { client, status };
}

/**
 * Calls `listener` on every `event` of the client while the component is mounted; the latest
 * listener is used without re-subscribing.
 * @example useSocketEvent('message', (message) => messagesCache.add(message));
 */
export function useSocketEvent<Event extends keyof ParleyClientEvents>(
  event: Event,
  listener: ParleyClientEvents[Event],
): void {
  const client = useParleyClient();
  const onEvent = useEffectEvent((...args: Parameters<ParleyClientEvents[Event]>) => {
    (listener as (...listenerArgs: Parameters<ParleyClientEvents[Event]>) => void)(...args);
  });
  useEffect(
    () =>
      client.on(event, ((...args: Parameters<ParleyClientEvents[Event]>) =>
        onEvent(...args)) as ParleyClientEvents[Event]),
    [client, event],
  );
}

/**
 * Keeps the socket connected while the signed-in app is shown. When the browser comes back
 * online or the tab becomes visible during a reconnect, it tries at once instead of waiting for
 * the next backoff step.
 */
export function useSocketConnection(): void {
  const client = useParleyClient();

  useEffect(() => {
    // Rejects only when the client stops trying (sign-out); the status shows everything else.
    client.connect().catch(() => undefined);
    return () => client.disconnect();
  }, [client]);

  useEffect(() => {
    const retryNow = () => {
      if (client.status !== 'reconnecting' || document.visibilityState !== 'visible') return;
      client.disconnect();
      client.connect().catch(() => undefined);
    };
    window.addEventListener('online', retryNow);
    document.addEventListener('visibilitychange', retryNow);
    return () => {
      window.removeEventListener('online', retryNow);
      document.removeEventListener('visibilitychange', retryNow);
    };
  }, [client]);
}
