import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { RedisTokenBucket } from './redis-token-bucket.js';
import { MemoryTokenBucket, type RateLimiter } from './token-bucket.js';

/** Per-user `message:send` bucket (`SEND_RATE_BURST`, `SEND_RATE_PER_SEC`). */
export const SEND_RATE_LIMITER = Symbol('SEND_RATE_LIMITER');
/** Per-user `typing` bucket: typing events are cheap but fan out to the whole room. */
export const TYPING_RATE_LIMITER = Symbol('TYPING_RATE_LIMITER');
/** Per-IP register/login/refresh bucket (`AUTH_RATE_PER_MIN`). */
export const AUTH_RATE_LIMITER = Symbol('AUTH_RATE_LIMITER');

/** Per-user bucket of privacy settings and message request answers. */
export const PRIVACY_RATE_LIMITER = Symbol('PRIVACY_RATE_LIMITER');

const TYPING_BURST = 20;
const TYPING_PER_SEC = 4;
const PRIVACY_BURST = 30;
const PRIVACY_PER_SEC = 1;

/** Shared through Redis when there is one, so limits hold across nodes; per node otherwise. */
function tokenBucket(
  name: string,
  options: { capacity: number; refillPerSec: number },
  redis: RedisConnection,
): RateLimiter {
  const local = new MemoryTokenBucket(options);
  return redis.client ? new RedisTokenBucket(redis.client, name, options, local) : local;
}

@Global()
@Module({
  providers: [
    {
      provide: SEND_RATE_LIMITER,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) =>
        tokenBucket(
          'send',
          { capacity: config.sendRateBurst, refillPerSec: config.sendRatePerSec },
          redis,
        ),
    },
    {
      provide: TYPING_RATE_LIMITER,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) =>
        tokenBucket('typing', { capacity: TYPING_BURST, refillPerSec: TYPING_PER_SEC }, redis),
    },
    {
      provide: AUTH_RATE_LIMITER,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) =>
        tokenBucket(
          'auth',
          { capacity: config.authRatePerMin, refillPerSec: config.authRatePerMin / 60 },
          redis,
        ),
    },
    {
      provide: PRIVACY_RATE_LIMITER,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) =>
        tokenBucket('privacy', { capacity: PRIVACY_BURST, refillPerSec: PRIVACY_PER_SEC }, redis),
    },
  ],
  exports: [SEND_RATE_LIMITER, TYPING_RATE_LIMITER, AUTH_RATE_LIMITER, PRIVACY_RATE_LIMITER],
})
export class RateLimitModule {}
