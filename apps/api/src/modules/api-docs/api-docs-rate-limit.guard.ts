import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { API_DOCS_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import { consumeOrRefuse, type RateLimiter } from '../../rate-limit/token-bucket.js';

/**
 * The descriptions and the reference page per client IP: public routes have no user to count by.
 * `request.ip` is the socket's address, or behind trusted proxies (`TRUST_PROXY`) the client's.
 */
@Injectable()
export class ApiDocsRateLimitGuard implements CanActivate {
  constructor(@Inject(API_DOCS_RATE_LIMITER) private readonly limiter: RateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    await consumeOrRefuse(this.limiter, request.ip ?? 'unknown');
    return true;
  }
}
