import type { ParleyClient } from '@parley/client';
import type { PrivacySettings, PrivacySettingsPatch } from '@parley/protocol';

export function loadPrivacySettings(client: ParleyClient): Promise<PrivacySettings> {
  return client.http.getPrivacy();
}

export function savePrivacySettings(
  client: ParleyClient,
  patch: PrivacySettingsPatch,
): Promise<PrivacySettings> {
  return client.http.updatePrivacy(patch);
}
