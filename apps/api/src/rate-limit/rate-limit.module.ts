import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MemoryTokenBucket } from './token-bucket.js';

/** Per-user `message:send` bucket (`SEND_RATE_BURST`, `SEND_RATE_PER_SEC`). */
export const SEND_RATE_LIMITER = Symbol('SEND_RATE_LIMITER');
/** Per-user `typing` bucket: typing events are cheap but fan out to the whole room. */
export const TYPING_RATE_LIMITER = Symbol('TYPING_RATE_LIMITER');
/** Per-IP register/login/refresh bucket (`AUTH_RATE_PER_MIN`). */
export const AUTH_RATE_LIMITER = Symbol('AUTH_RATE_LIMITER');

const TYPING_BURST = 20;
const TYPING_PER_SEC = 4;

@Global()
@Module({
  providers: [
    {
      provide: SEND_RATE_LIMITER,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new MemoryTokenBucket({
          capacity: config.sendRateBurst,
          refillPerSec: config.sendRatePerSec,
        }),
    },
    {
      provide: TYPING_RATE_LIMITER,
      useFactory: () =>
        new MemoryTokenBucket({ capacity: TYPING_BURST, refillPerSec: TYPING_PER_SEC }),
    },
    {
      provide: AUTH_RATE_LIMITER,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new MemoryTokenBucket({
          capacity: config.authRatePerMin,
          refillPerSec: config.authRatePerMin / 60,
        }),
    },
  ],
  exports: [SEND_RATE_LIMITER, TYPING_RATE_LIMITER, AUTH_RATE_LIMITER],
})
export class RateLimitModule {}
