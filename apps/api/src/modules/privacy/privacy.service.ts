import { Injectable } from '@nestjs/common';
import type { PrivacySettings, PrivacySettingsPatchInput } from '@parley/protocol';
import { ForbiddenError, NotFoundError } from '../../common/errors.js';
import type { AuthContext } from '../auth/current-auth.decorator.js';
import { PresenceAudience } from './presence-audience.js';
import { PrivacyRepository } from './privacy.repository.js';

@Injectable()
export class PrivacyService {
  constructor(
    private readonly privacyRepository: PrivacyRepository,
    private readonly presenceAudience: PresenceAudience,
  ) {}

  async get(auth: AuthContext): Promise<PrivacySettings> {
    const settings = await this.privacyRepository.findSettings(auth.userId);
    if (!settings) throw new NotFoundError('user not found');
    return settings;
  }

  /** Changes some settings; a presence change takes effect at once, also on open sockets. */
  async update(auth: AuthContext, patch: PrivacySettingsPatchInput): Promise<PrivacySettings> {
    const change = await this.privacyRepository.updateSettings(auth.userId, patch);
    if (!change) throw new NotFoundError('user not found');
    if (change.previous.presence !== change.current.presence) {
      await this.presenceAudience.visibilityChanged(
        auth.userId,
        change.previous.presence,
        change.current.presence,
      );
    }
    return change.current;
  }

  /** `groupAdds`: refuses, as a whole, adding anyone who lets only contacts add them. */
  async requireMayAddToGroups(auth: AuthContext, userIds: string[]): Promise<void> {
    const refusals = await this.privacyRepository.findGroupAddRefusals(auth.userId, userIds);
    if (refusals.length > 0) {
      throw new ForbiddenError(`only their contacts can add these users: ${refusals.join(', ')}`);
    }
  }
}
