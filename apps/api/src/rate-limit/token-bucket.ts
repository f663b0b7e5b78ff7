import { RateLimitedError } from '../common/errors.js';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A limiter keyed by user or client address. */
export interface RateLimiter {
  consume(key: string): Promise<RateDecision>;
}

/** Takes one token of `key`, or throws {@link RateLimitedError} with the time to wait. */
export async function consumeOrRefuse(limiter: RateLimiter, key: string): Promise<void> {
  const decision = await limiter.consume(key);
  if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs);
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * In-memory token bucket: `capacity` tokens, refilled at `refillPerSec`. One token per call.
 * @example new MemoryTokenBucket({ capacity: 60, refillPerSec: 5 }).consume('user-id')
 */
export class MemoryTokenBucket implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    private readonly options: { capacity: number; refillPerSec: number },
    private readonly now: () => number = Date.now,
  ) {
    // Full buckets carry no information; dropping them keeps memory bounded by active keys.
    this.sweepTimer = setInterval(() => this.sweepFullBuckets(), 60_000);
    this.sweepTimer.unref();
  }

  async consume(key: string): Promise<RateDecision> {
    const now = this.now();
    const bucket = this.refilled(this.buckets.get(key), now);
    if (bucket.tokens >= 1) {
      this.buckets.set(key, { tokens: bucket.tokens - 1, updatedAt: now });
      return { allowed: true };
    }
    this.buckets.set(key, bucket);
    const retryAfterMs = Math.ceil(((1 - bucket.tokens) / this.options.refillPerSec) * 1000);
    return { allowed: false, retryAfterMs };
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }

  private refilled(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.options.capacity, updatedAt: now };
    const elapsedSec = Math.max(0, now - bucket.updatedAt) / 1000;
    const tokens = Math.min(
      this.options.capacity,
      bucket.tokens + elapsedSec * this.options.refillPerSec,
    );
    return { tokens, updatedAt: now };
  }

  private sweepFullBuckets(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (this.refilled(bucket, now).tokens >= this.options.capacity) this.buckets.delete(key);
    }
  }
}
