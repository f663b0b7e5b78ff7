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

/** Per-user conversation creation bucket (`CONVERSATION_CREATE_RATE_PER_MIN`). */
export const CONVERSATION_CREATE_RATE_LIMITER = Symbol('CONVERSATION_CREATE_RATE_LIMITER');
/** Per-user bucket of renames and member changes (`GROUP_CHANGE_RATE_PER_MIN`). */
export const GROUP_CHANGE_RATE_LIMITER = Symbol('GROUP_CHANGE_RATE_LIMITER');
/** Per-user buckets of the read side, one per kind (`READ_RATE_BURST`, `READ_RATE_PER_SEC`). */
export const READ_RATE_LIMITERS = Symbol('READ_RATE_LIMITERS');
/** Per-user `GET /users?search` bucket (`USER_SEARCH_PER_MIN`): slows directory walks. */
export const USER_SEARCH_RATE_LIMITER = Symbol('USER_SEARCH_RATE_LIMITER');
/** Per-user socket handshake bucket (`HANDSHAKE_RATE_BURST`, `HANDSHAKE_RATE_PER_SEC`). */
export const HANDSHAKE_RATE_LIMITER = Symbol('HANDSHAKE_RATE_LIMITER');

/** Each kind has its own bucket, so a client's catch-up syncs do not starve its read receipts. */
export interface ReadRateLimiters {
  /** `message:read` and `POST /conversations/:id/read`: one bucket for both ways in. */
  markRead: RateLimiter;
  markDelivered: RateLimiter;
  joinConversation: RateLimiter;
  sync: RateLimiter;
  restRead: RateLimiter;
}

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

/** A bucket of `perMinute` tokens, refilled evenly over the minute. */
const perMinuteBucket = (name: string, perMinute: number, redis: RedisConnection) =>
  tokenBucket(name, { capacity: perMinute, refillPerSec: perMinute / 60 }, redis);

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
      provide: CONVERSATION_CREATE_RATE_LIMITER,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) =>
        perMinuteBucket('conversation-create', config.conversationCreateRatePerMin, redis),
    },
    {
      provide: GROUP_CHANGE_RATE_LIMITER,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) =>
        perMinuteBucket('group-change', config.groupChangeRatePerMin, redis),
    },
    {
      provide: READ_RATE_LIMITERS,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection): ReadRateLimiters => {
        const options = { capacity: config.readRateBurst, refillPerSec: config.readRatePerSec };
        return {
          markRead: tokenBucket('read', options, redis),
          markDelivered: tokenBucket('delivered', options, redis),
          joinConversation: tokenBucket('join', options, redis),
          sync: tokenBucket('sync', options, redis),
          restRead: tokenBucket('rest-read', options, redis),
        };
      },
    },
    {
      provide: USER_SEARCH_RATE_LIMITER,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) =>
        perMinuteBucket('user-search', config.userSearchRatePerMin, redis),
    },
    {
      provide: HANDSHAKE_RATE_LIMITER,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) =>
        tokenBucket(
          'handshake',
          { capacity: config.handshakeRateBurst, refillPerSec: config.handshakeRatePerSec },
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
  exports: [
    SEND_RATE_LIMITER,
    TYPING_RATE_LIMITER,
    AUTH_RATE_LIMITER,
    CONVERSATION_CREATE_RATE_LIMITER,
    GROUP_CHANGE_RATE_LIMITER,
    READ_RATE_LIMITERS,
    USER_SEARCH_RATE_LIMITER,
    HANDSHAKE_RATE_LIMITER,
    PRIVACY_RATE_LIMITER,
  ],
})
export class RateLimitModule {}
