import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AUTH_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import { consumeOrRefuse, type RateLimiter } from '../../rate-limit/token-bucket.js';

/**
 * Register/login/refresh attempts per client IP (`AUTH_RATE_PER_MIN`): slows brute force.
 * `request.ip` is the socket's address, or behind trusted proxies (`TRUST_PROXY`) the client's.
 */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  constructor(@Inject(AUTH_RATE_LIMITER) private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    await consumeOrRefuse(this.limiter, request.ip ?? 'unknown');
    return true;
  }
}
