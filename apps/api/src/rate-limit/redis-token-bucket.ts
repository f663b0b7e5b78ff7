import type { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from './token-bucket.js';

// KEYS[1]: the bucket; ARGV: capacity, refill per second. Redis's own clock, so every node
// agrees on time. Returns {allowed (0/1), retryAfterMs}.
const TAKE_TOKEN = `
local capacity = tonumber(ARGV[1])
local refill_per_ms = tonumber(ARGV[2]) / 1000
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * refill_per_ms)
local allowed, retry_after = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry_after = math.ceil((1 - tokens) / refill_per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / refill_per_ms) + 1000)
return {allowed, retry_after}`;

type TokenBucketRedis = Redis & {
  parleyTakeToken(key: string, capacity: number, refillPerSec: number): Promise<[number, number]>;
};

/**
 * A token bucket shared by every node through Redis. While Redis is unreachable it falls back
 * to this node's own bucket (fails open to per-node limits): sending must keep working in an
 * outage, and per-node limits still bound abuse.
 */
export class RedisTokenBucket implements RateLimiter {
  private readonly redis: TokenBucketRedis;

  constructor(
    redis: Redis,
    private readonly name: string,
    private readonly options: { capacity: number; refillPerSec: number },
    private readonly fallback: RateLimiter,
  ) {
    redis.defineCommand('parleyTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    this.redis = redis as TokenBucketRedis;
  }

  async consume(key: string): Promise<RateDecision> {
    if (this.redis.status !== 'ready') return this.fallback.consume(key);
    try {
      const [allowed, retryAfterMs] = await this.redis.parleyTakeToken(
        `parley:rate:${this.name}:${key}`,
        this.options.capacity,
        this.options.refillPerSec,
      );
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
    } catch {
      return this.fallback.consume(key);
    }
  }
}
