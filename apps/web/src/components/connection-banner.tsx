import { useConnectionStore } from '@/stores/connection-store';

/** "Connecting..." at first, "Reconnecting..." while a lost connection is being restored. */
export function ConnectionBanner() {
  const status = useConnectionStore((state) => state.status);
  const everConnected = useConnectionStore((state) => state.everConnected);
  const down = status === 'connecting' || status === 'reconnecting';
  return (
    <div role="status" className="shrink-0">
      {down && (
        <p className="flex items-center justify-center gap-2 bg-amber-100 px-4 py-1.5 text-center text-sm font-medium text-amber-900">
          <span
            aria-hidden="true"
            className="size-3 animate-spin rounded-full border-2 border-amber-700/30 border-t-amber-800"
          />
          {everConnected || status === 'reconnecting' ? 'Reconnecting...' : 'Connecting...'}
        </p>
      )}
    </div>
  );
}
