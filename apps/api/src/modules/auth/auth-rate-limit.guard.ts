import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';

/** Register/login/refresh attempts per client IP per minute (`AUTH_RATE_PER_MIN`): brute force. */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiterMemory;

  constructor(config: AppConfig) {
    this.limiter = new RateLimiterMemory({ points: config.authRatePerMin, duration: 60 });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    try {
      await this.limiter.consume(request.socket.remoteAddress ?? 'unknown');
      return true;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new RateLimitedError(rejection.msBeforeNext);
      throw rejection;
    }
  }
}
