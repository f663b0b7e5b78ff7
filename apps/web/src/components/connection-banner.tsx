import { useState } from 'react';
import { useSocket } from '@/hooks/use-socket';

/** "Connecting..." at first, "Reconnecting..." while a lost connection is being restored. */
export function ConnectionBanner() {
  const { status } = useSocket();
  // Connected at least once since this banner (the session's chat page) mounted: a drop after
  // that is a "reconnect".
  const [everConnected, setEverConnected] = useState(false);
  if (status === 'connected' && !everConnected) setEverConnected(true);
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
