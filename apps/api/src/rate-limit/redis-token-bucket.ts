import type { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from './token-bucket.js';

// KEYS[1]: the bucket; ARGV: capacity, refill per second, the largest lease. Redis's own clock,
// so every node agrees on time. Takes one token and, when the bucket holds plenty, a lease of
// up to an eighth of what is left (at most ARGV[3], which may be 0) besides. Returns {granted, retryAfterMs}:
// granted 0 is a refusal, otherwise the tokens taken (the one asked for plus the lease).
const TAKE_TOKENS = `
local capacity = tonumber(ARGV[1])
local refill_per_ms = tonumber(ARGV[2]) / 1000
local max_lease = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * refill_per_ms)
local granted, retry_after = 0, 0
if tokens >= 1 then
  granted = 1 + math.min(max_lease, math.floor((tokens - 1) / 8))
  tokens = tokens - granted
else
  retry_after = math.ceil((1 - tokens) / refill_per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / refill_per_ms) + 1000)
return {granted, retry_after}`;

/**
 * The most tokens one node takes ahead for one key of a leasing bucket. An eighth of what the
 * bucket holds already bounds a lease; this bounds it for buckets configured huge (the bench's).
 */
export const MAX_LEASE = 64;
/**
 * A lease not used up by then is dropped: a user who moved to another node gets it back. A
 * minute, not seconds: a chatting user sends or reads every few seconds, and a lease that
 * expires before its second event saves no round trip (at 10 s the bench's users, one event
 * per 5 s each, still took half their events to Redis). How long it lives does not change how
 * far over the limit a user can get (one lease per node), only how long a stranded one waits.
 */
export const LEASE_TTL_MS = 60_000;

type TokenBucketRedis = Redis & {
  parleyTakeTokens(
    key: string,
    capacity: number,
    refillPerSec: number,
    maxLease: number,
  ): Promise<[number, number]>;
};

/** Tokens this node took from Redis ahead of use, for one key. */
interface Lease {
  tokens: number;
  expiresAt: number;
}

const ALLOWED: RateDecision = Object.freeze({ allowed: true });

/**
 * A token bucket shared by every node through Redis. A key far below its limit does not pay a
 * Redis round trip per event: the node takes a lease of up to an eighth of the tokens left
 * along with the one it needs and spends it locally (issue 11: the EVAL per send and receipt
 * was a tenth of the node's CPU). Near the limit the leases shrink to nothing, so every token
 * is again taken in Redis and the limit is exact. Across N nodes a key can get at most N
 * leases (an eighth of the bucket each) beyond what Redis alone would allow, and a lease left
 * on a node the user moved away from costs them at most that eighth for `LEASE_TTL_MS`.
 *
 * While Redis is unreachable it falls back to this node's own bucket (fails open to per-node
 * limits): sending must keep working in an outage, and per-node limits still bound abuse.
 */
export class RedisTokenBucket implements RateLimiter {
  private readonly redis: TokenBucketRedis;
  private readonly leases = new Map<string, Lease>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    redis: Redis,
    private readonly name: string,
    private readonly options: {
      capacity: number;
      refillPerSec: number;
      /** Tokens a node may take ahead (0: every token in Redis, exact to the token). */
      maxLease: number;
    },
    private readonly fallback: RateLimiter,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('parleyTakeTokens', { numberOfKeys: 1, lua: TAKE_TOKENS });
    this.redis = redis as TokenBucketRedis;
    // Expired leases of users gone quiet: memory follows the keys active in the last TTL.
    this.sweepTimer = setInterval(() => this.sweepExpiredLeases(), LEASE_TTL_MS);
    this.sweepTimer.unref();
  }

  async consume(key: string): Promise<RateDecision> {
    const lease = this.leases.get(key);
    if (lease && lease.tokens >= 1 && lease.expiresAt > this.now()) {
      lease.tokens -= 1;
      return ALLOWED;
    }
    if (this.redis.status !== 'ready') return this.fallback.consume(key);
    let granted: number;
    let retryAfterMs: number;
    try {
      [granted, retryAfterMs] = await this.redis.parleyTakeTokens(
        `parley:rate:${this.name}:${key}`,
        this.options.capacity,
        this.options.refillPerSec,
        this.options.maxLease,
      );
    } catch {
      return this.fallback.consume(key);
    }
    if (granted === 0) return { allowed: false, retryAfterMs };
    if (granted > 1) this.addLease(key, granted - 1);
    return ALLOWED;
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }

  /** Adds to the key's lease (two events that missed it at once both took one). */
  private addLease(key: string, tokens: number): void {
    const now = this.now();
    const lease = this.leases.get(key);
    const kept = lease && lease.expiresAt > now ? lease.tokens : 0;
    this.leases.set(key, { tokens: kept + tokens, expiresAt: now + LEASE_TTL_MS });
  }

  private sweepExpiredLeases(): void {
    const now = this.now();
    for (const [key, lease] of this.leases) {
      if (lease.expiresAt <= now || lease.tokens < 1) this.leases.delete(key);
    }
  }
}
