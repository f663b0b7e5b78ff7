import { useEffect } from 'react';
import { useParleyClient } from '@/lib/parley-client';
import { readSessionHint, SESSION_HINT_KEY } from '@/lib/session-hint';

/**
 * Follows what other tabs of this browser do with the session they share (the cookie): a
 * log-out there logs out here; a sign-in as someone else there reloads this tab into that
 * account.
 */
export function useTabSync(onSignedOutElsewhere: () => void): void {
  const client = useParleyClient();
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      // key null: the whole storage was cleared.
      if (event.key !== SESSION_HINT_KEY && event.key !== null) return;
      const storedUserId = readSessionHint();
      if (storedUserId === client.userId) return;
      if (storedUserId === null) onSignedOutElsewhere();
      else window.location.reload();
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [client, onSignedOutElsewhere]);
}
