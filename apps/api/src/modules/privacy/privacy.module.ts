import { Module } from '@nestjs/common';
import { PresenceAudience } from './presence-audience.js';
import { PrivacyController } from './privacy.controller.js';
import { PrivacyRepository } from './privacy.repository.js';
import { PrivacyService } from './privacy.service.js';

@Module({
  controllers: [PrivacyController],
  providers: [PresenceAudience, PrivacyRepository, PrivacyService],
  exports: [PresenceAudience, PrivacyService],
})
export class PrivacyModule {}
