import { useEffect } from 'react';
import { useParleyClient } from '@/lib/parley-client';
import { tokenSubject } from '@/lib/refresh-coordinator';
import { readStoredTokens, TOKENS_KEY } from '@/lib/token-storage';

/**
 * Follows what other tabs of this browser do with the shared session: a log-out there logs
 * out here; a sign-in as someone else there reloads this tab into that account. (Token
 * rotations of the same session are picked up at the next refresh: refresh-coordinator.ts.)
 */
export function useTabSync(onSignedOutElsewhere: () => void): void {
  const client = useParleyClient();
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      // key null: the whole storage was cleared.
      if (event.key !== TOKENS_KEY && event.key !== null) return;
      const stored = readStoredTokens();
      const storedUserId = stored ? tokenSubject(stored.accessToken) : null;
      if (storedUserId === client.userId) return;
      if (storedUserId === null) onSignedOutElsewhere();
      else window.location.reload();
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [client, onSignedOutElsewhere]);
}
