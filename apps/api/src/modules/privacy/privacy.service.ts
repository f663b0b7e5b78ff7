import { Injectable } from '@nestjs/common';
import type { PrivacySettings, PrivacySettingsPatch } from '@parley/protocol';
import { ForbiddenError, NotFoundError } from '../../common/errors.js';
import { PresenceAudience } from './presence-audience.js';
import { PrivacyRepository } from './privacy.repository.js';

@Injectable()
export class PrivacyService {
  constructor(
    private readonly privacyRepository: PrivacyRepository,
    private readonly presenceAudience: PresenceAudience,
  ) {}

  async get(userId: string): Promise<PrivacySettings> {
    const settings = await this.privacyRepository.findSettings(userId);
    if (!settings) throw new NotFoundError('user not found');
    return settings;
  }

  /** Changes some settings; a presence change takes effect at once, also on open sockets. */
  async update(userId: string, patch: PrivacySettingsPatch): Promise<PrivacySettings> {
    const change = await this.privacyRepository.updateSettings(userId, patch);
    if (!change) throw new NotFoundError('user not found');
    if (change.previous.presence !== change.current.presence) {
      await this.presenceAudience.visibilityChanged(
        userId,
        change.previous.presence,
        change.current.presence,
      );
    }
    return change.current;
  }

  /** `groupAdds`: refuses, as a whole, adding anyone who lets only contacts add them. */
  async requireMayAddToGroups(callerId: string, userIds: string[]): Promise<void> {
    const refusals = await this.privacyRepository.findGroupAddRefusals(callerId, userIds);
    if (refusals.length > 0) {
      throw new ForbiddenError(`only their contacts can add these users: ${refusals.join(', ')}`);
    }
  }
}
