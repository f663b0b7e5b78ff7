import { Module } from '@nestjs/common';
import { PresenceAudience } from './presence-audience.js';
import { PrivacyRateLimitGuard } from './privacy-rate-limit.guard.js';
import { PrivacyController } from './privacy.controller.js';
import { PrivacyRepository } from './privacy.repository.js';
import { PrivacyService } from './privacy.service.js';

@Module({
  controllers: [PrivacyController],
  providers: [PresenceAudience, PrivacyRateLimitGuard, PrivacyRepository, PrivacyService],
  exports: [PresenceAudience, PrivacyRateLimitGuard, PrivacyService],
})
export class PrivacyModule {}
