import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { MAX_LEASE, RedisTokenBucket } from './redis-token-bucket.js';
import { MemoryTokenBucket, type RateLimiter } from './token-bucket.js';

/** Per-user `message:send` bucket (`SEND_RATE_BURST`, `SEND_RATE_PER_SEC`). */
export const SEND_RATE_LIMITER = Symbol('SEND_RATE_LIMITER');
/**
 * Per-user bucket of message changes, edits, deletes and reactions together
 * (`CHANGE_RATE_BURST`, `CHANGE_RATE_PER_SEC`): each one is a write that fans out to the room.
 */
export const CHANGE_RATE_LIMITER = Symbol('CHANGE_RATE_LIMITER');
/** Per-user `typing` bucket: typing events are cheap but fan out to the whole room. */
export const TYPING_RATE_LIMITER = Symbol('TYPING_RATE_LIMITER');
/** Per-IP register/login/refresh bucket (`AUTH_RATE_PER_MIN`): slows brute force. */
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

/** Per-user bucket of privacy settings and message request answers: cheap, but each may fan out. */
export const PRIVACY_RATE_LIMITER = Symbol('PRIVACY_RATE_LIMITER');
/** Per-IP bucket of the API's descriptions and reference page (public, so not per user). */
export const API_DOCS_RATE_LIMITER = Symbol('API_DOCS_RATE_LIMITER');

const TYPING_BURST = 20;
const TYPING_PER_SEC = 4;
const PRIVACY_BURST = 30;
const PRIVACY_PER_SEC = 1;
const API_DOCS_BURST = 30;
const API_DOCS_PER_SEC = 1;

interface BucketSize {
  capacity: number;
  refillPerSec: number;
  /**
   * Counts a socket event (a send, a receipt, typing): the node may lease tokens ahead so that
   * a user far below the limit costs no Redis round trip per event (`RedisTokenBucket`). The
   * others (logins, handshakes, REST writes) are rare, and exact to the token across nodes.
   */
  perEvent?: boolean;
}

/** A bucket of `perMinute` tokens, refilled evenly over the minute. */
const perMinute = (tokens: number): BucketSize => ({ capacity: tokens, refillPerSec: tokens / 60 });

/** Every single bucket: its injection token, its name in Redis, and its size. */
const BUCKETS: [token: symbol, name: string, size: (config: AppConfig) => BucketSize][] = [
  [
    SEND_RATE_LIMITER,
    'send',
    (config) => ({
      capacity: config.sendRateBurst,
      refillPerSec: config.sendRatePerSec,
      perEvent: true,
    }),
  ],
  [
    TYPING_RATE_LIMITER,
    'typing',
    () => ({ capacity: TYPING_BURST, refillPerSec: TYPING_PER_SEC, perEvent: true }),
  ],
  [
    CHANGE_RATE_LIMITER,
    'change',
    (config) => ({
      capacity: config.changeRateBurst,
      refillPerSec: config.changeRatePerSec,
      perEvent: true,
    }),
  ],
  [AUTH_RATE_LIMITER, 'auth', (config) => perMinute(config.authRatePerMin)],
  [
    CONVERSATION_CREATE_RATE_LIMITER,
    'conversation-create',
    (config) => perMinute(config.conversationCreateRatePerMin),
  ],
  [GROUP_CHANGE_RATE_LIMITER, 'group-change', (config) => perMinute(config.groupChangeRatePerMin)],
  [USER_SEARCH_RATE_LIMITER, 'user-search', (config) => perMinute(config.userSearchRatePerMin)],
  [
    HANDSHAKE_RATE_LIMITER,
    'handshake',
    (config) => ({ capacity: config.handshakeRateBurst, refillPerSec: config.handshakeRatePerSec }),
  ],
  [
    PRIVACY_RATE_LIMITER,
    'privacy',
    () => ({ capacity: PRIVACY_BURST, refillPerSec: PRIVACY_PER_SEC }),
  ],
  [
    API_DOCS_RATE_LIMITER,
    'api-docs',
    () => ({ capacity: API_DOCS_BURST, refillPerSec: API_DOCS_PER_SEC }),
  ],
];

/** Shared through Redis when there is one, so limits hold across nodes; per node otherwise. */
function tokenBucket(name: string, size: BucketSize, redis: RedisConnection): RateLimiter {
  const local = new MemoryTokenBucket(size);
  if (!redis.client) return local;
  const maxLease = size.perEvent ? MAX_LEASE : 0;
  return new RedisTokenBucket(redis.client, name, { ...size, maxLease }, local);
}

@Global()
@Module({
  providers: [
    ...BUCKETS.map(([token, name, size]) => ({
      provide: token,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) =>
        tokenBucket(name, size(config), redis),
    })),
    {
      provide: READ_RATE_LIMITERS,
      inject: [AppConfig, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection): ReadRateLimiters => {
        const size = { capacity: config.readRateBurst, refillPerSec: config.readRatePerSec };
        const perEvent = { ...size, perEvent: true };
        return {
          markRead: tokenBucket('read', perEvent, redis),
          markDelivered: tokenBucket('delivered', perEvent, redis),
          joinConversation: tokenBucket('join', perEvent, redis),
          sync: tokenBucket('sync', perEvent, redis),
          restRead: tokenBucket('rest-read', size, redis),
        };
      },
    },
  ],
  exports: [...BUCKETS.map(([token]) => token), READ_RATE_LIMITERS],
})
export class RateLimitModule {}
