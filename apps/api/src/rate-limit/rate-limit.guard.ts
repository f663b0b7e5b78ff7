import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from '../modules/auth/current-auth.decorator.js';
import {
  READ_RATE_LIMITERS,
  USER_SEARCH_RATE_LIMITER,
  type ReadRateLimiters,
} from './rate-limit.module.js';
import { consumeOrRefuse, type RateLimiter } from './token-bucket.js';

/**
 * Global guard after AccessTokenGuard: authenticated GETs per user. Writes have limits of their
 * own; public routes (health, metrics) are not per user and pass.
 */
@Injectable()
export class RestReadRateLimitGuard implements CanActivate {
  constructor(@Inject(READ_RATE_LIMITERS) private readonly limiters: ReadRateLimiters) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    if (!isRead || !request.auth) return true;
    await consumeOrRefuse(this.limiters.restRead, request.auth.userId);
    return true;
  }
}

/** `GET /users?search` per user (`USER_SEARCH_PER_MIN`). */
@Injectable()
export class UserSearchRateLimitGuard implements CanActivate {
  constructor(@Inject(USER_SEARCH_RATE_LIMITER) private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    await consumeOrRefuse(this.limiter, request.auth!.userId);
    return true;
  }
}
