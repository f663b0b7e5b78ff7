import { Body, Controller, Get, Patch, UseGuards } from '@nestjs/common';
import {
  privacySettingsPatchSchema,
  type PrivacySettings,
  type PrivacySettingsPatchInput,
} from '@parley/protocol';
import { ZodValidationPipe } from '../../common/zod-validation.pipe.js';
import { RateLimitPerUser } from '../../rate-limit/rate-limit.guard.js';
import { PRIVACY_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import { CurrentAuth, type AuthContext } from '../auth/current-auth.decorator.js';
import { PrivacyService } from './privacy.service.js';

@Controller('users/me/privacy')
@UseGuards(RateLimitPerUser(PRIVACY_RATE_LIMITER))
export class PrivacyController {
  constructor(private readonly privacyService: PrivacyService) {}

  @Get()
  get(@CurrentAuth() auth: AuthContext): Promise<PrivacySettings> {
    return this.privacyService.get(auth);
  }

  @Patch()
  update(
    @CurrentAuth() auth: AuthContext,
    @Body(new ZodValidationPipe(privacySettingsPatchSchema))
    body: PrivacySettingsPatchInput,
  ): Promise<PrivacySettings> {
    return this.privacyService.update(auth, body);
  }
}
