import {
  Inject,
  Injectable,
  mixin,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import type { AuthenticatedRequest } from '../modules/auth/current-auth.decorator.js';
import { READ_RATE_LIMITERS, type ReadRateLimiters } from './rate-limit.module.js';
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

type RequestKey = (request: AuthenticatedRequest) => string;

function rateLimitGuard(limiterToken: symbol, keyOf: RequestKey): Type<CanActivate> {
  @Injectable()
  class RateLimitGuard implements CanActivate {
    constructor(@Inject(limiterToken) private readonly limiter: RateLimiter) {}

    async canActivate(context: ExecutionContext): Promise<boolean> {
      await consumeOrRefuse(this.limiter, keyOf(context.switchToHttp().getRequest()));
      return true;
    }
  }
  return mixin(RateLimitGuard);
}

/**
 * Counts a route's requests per signed-in user in the bucket `limiterToken` names; for routes
 * behind AccessTokenGuard.
 * @example @UseGuards(RateLimitPerUser(USER_SEARCH_RATE_LIMITER))
 */
export function RateLimitPerUser(limiterToken: symbol): Type<CanActivate> {
  return rateLimitGuard(limiterToken, (request) => request.auth!.userId);
}

/**
 * Counts a route's requests per client IP in the bucket `limiterToken` names: for public routes,
 * which have no user to count by. `request.ip` is the socket's address, or behind trusted proxies
 * (`TRUST_PROXY`) the client's.
 * @example @UseGuards(RateLimitPerIp(AUTH_RATE_LIMITER))
 */
export function RateLimitPerIp(limiterToken: symbol): Type<CanActivate> {
  return rateLimitGuard(limiterToken, (request) => request.ip ?? 'unknown');
}
