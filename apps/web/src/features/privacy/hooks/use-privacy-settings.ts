import type { PrivacySettings, PrivacySettingsPatch } from '@parley/protocol';
import { useCallback, useEffect, useState } from 'react';
import { useParleyClient } from '@/lib/parley-client';
import { errorMessage } from '@/utils/error-message';
import { loadPrivacySettings, savePrivacySettings } from '../api/privacy-settings';

type SaveState = 'idle' | 'saving' | 'saved';

/** The user's privacy settings as the server holds them; each change is saved at once. */
export function usePrivacySettings() {
  const client = useParleyClient();
  const [settings, setSettings] = useState<PrivacySettings | null>(null);
  const [saveState, setSaveState] = useState<SaveState>('idle');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    loadPrivacySettings(client).then(
      (loaded) => current && setSettings(loaded),
      (failure: unknown) => current && setError(errorMessage(failure)),
    );
    return () => {
      current = false;
    };
  }, [client]);

  const update = useCallback(
    async (patch: PrivacySettingsPatch) => {
      setSaveState('saving');
      setError(null);
      try {
        setSettings(await savePrivacySettings(client, patch));
        setSaveState('saved');
      } catch (failure) {
        setError(errorMessage(failure));
        setSaveState('idle');
      }
    },
    [client],
  );

  return { settings, saveState, error, update };
}
