import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { RateLimitedError } from '../../common/errors.js';
import { PRIVACY_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import type { RateLimiter } from '../../rate-limit/token-bucket.js';
import type { AuthenticatedRequest } from '../auth/current-auth.decorator.js';

/** Privacy settings and message request answers, per user: cheap, but each may fan out. */
@Injectable()
export class PrivacyRateLimitGuard implements CanActivate {
  constructor(@Inject(PRIVACY_RATE_LIMITER) private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const decision = await this.limiter.consume(request.auth!.userId);
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs);
    return true;
  }
}
