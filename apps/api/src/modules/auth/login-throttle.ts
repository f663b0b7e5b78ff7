import type { Redis } from 'ioredis';
import type { RateDecision } from '../../rate-limit/token-bucket.js';

/** How the attempts counted at one counter delay the next one. */
export interface BackoffPolicy {
  /** Attempts that pass without delay. */
  freeFailures: number;
  /** The wait after the last free attempt; every further attempt doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Per (username, client address): one address guessing at one account. */
export const ADDRESS_POLICY: BackoffPolicy = {
  freeFailures: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
};
/** Per username, over every address the user never logged in from: guesses from many addresses. */
export const ACCOUNT_POLICY: BackoffPolicy = {
  freeFailures: 10,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
};
/** A counter is forgotten this long after the last attempt it counted. */
export const COUNTER_LIFETIME_MS = 60 * 60_000;
/** An address the user logged in from is "known" for this long. */
export const KNOWN_ADDRESS_LIFETIME_MS = 30 * 24 * 60 * 60_000;

/** How long after the last counted attempt the next one may go ahead. */
export function delayAfter(failures: number, policy: BackoffPolicy): number {
  if (failures < policy.freeFailures) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - policy.freeFailures));
}

export interface LoginAttempt {
  /** As folded by the login schema; unknown names are counted like real ones. */
  username: string;
  address: string;
}

const keysOf = ({ username, address }: LoginAttempt) => ({
  address: `address:${username}:${address}`,
  account: `account:${username}`,
  known: `known:${username}:${address}`,
});

/**
 * The per-account login limit: growing delays per (username, address) and per username, with
 * addresses the user already logged in from exempt from the per-username counter, so an attacker
 * guessing from elsewhere does not lock the user out at their usual address.
 */
export abstract class LoginThrottle {
  /**
   * Called before the password is checked: refuses while a counter's delay runs; otherwise
   * counts the attempt (as a failure until {@link succeeded} says otherwise) and allows it.
   * Counting first, atomically, means concurrent guesses cannot all pass one check.
   */
  abstract begin(attempt: LoginAttempt): Promise<RateDecision>;

  /** After a correct password: clears the address's counter and marks the address known. */
  abstract succeeded(attempt: LoginAttempt): Promise<void>;
}

interface Counter {
  failures: number;
  lastAt: number;
}

/** This node's own counters: used alone, and while Redis is unreachable. */
export class MemoryLoginThrottle extends LoginThrottle {
  private readonly counters = new Map<string, Counter>();
  private readonly knownUntil = new Map<string, number>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    super();
    this.sweepTimer = setInterval(() => this.sweepExpired(), 60_000);
    this.sweepTimer.unref();
  }

  async begin(attempt: LoginAttempt): Promise<RateDecision> {
    const now = this.now();
    const keys = keysOf(attempt);
    const counted: [string, BackoffPolicy][] = [[keys.address, ADDRESS_POLICY]];
    if ((this.knownUntil.get(keys.known) ?? 0) <= now) counted.push([keys.account, ACCOUNT_POLICY]);
    let waitMs = 0;
    for (const [key, policy] of counted) {
      const counter = this.liveCounter(key, now);
      if (counter) {
        waitMs = Math.max(waitMs, counter.lastAt + delayAfter(counter.failures, policy) - now);
      }
    }
    if (waitMs > 0) return { allowed: false, retryAfterMs: waitMs };
    for (const [key] of counted) {
      const failures = (this.liveCounter(key, now)?.failures ?? 0) + 1;
      this.counters.set(key, { failures, lastAt: now });
    }
    return { allowed: true };
  }

  async succeeded(attempt: LoginAttempt): Promise<void> {
    const keys = keysOf(attempt);
    this.counters.delete(keys.address);
    this.knownUntil.set(keys.known, this.now() + KNOWN_ADDRESS_LIFETIME_MS);
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }

  private liveCounter(key: string, now: number): Counter | undefined {
    const counter = this.counters.get(key);
    return counter && now - counter.lastAt < COUNTER_LIFETIME_MS ? counter : undefined;
  }

  private sweepExpired(): void {
    const now = this.now();
    for (const [key, counter] of this.counters) {
      if (now - counter.lastAt >= COUNTER_LIFETIME_MS) this.counters.delete(key);
    }
    for (const [key, until] of this.knownUntil) {
      if (until <= now) this.knownUntil.delete(key);
    }
  }
}

// The same rule as MemoryLoginThrottle.begin, atomic in Redis on Redis's clock.
// KEYS: known-address marker, (username, address) counter, username counter.
// ARGV: the two policies' free failures, base delay ms, max delay ms, counter lifetime ms.
// Returns 0 when the attempt was counted and may go ahead, else the ms to wait.
const BEGIN_LOGIN = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local counted = {{KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}}
if redis.call('EXISTS', KEYS[1]) == 0 then
  counted[2] = {KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])}
end
local wait = 0
for _, counter in ipairs(counted) do
  local state = redis.call('HMGET', counter[1], 'failures', 'at')
  local failures = tonumber(state[1]) or 0
  if failures >= counter[2] then
    local delay = math.min(counter[4], counter[3] * 2 ^ (failures - counter[2]))
    wait = math.max(wait, tonumber(state[2]) + delay - now)
  end
end
if wait > 0 then return math.ceil(wait) end
for _, counter in ipairs(counted) do
  redis.call('HINCRBY', counter[1], 'failures', 1)
  redis.call('HSET', counter[1], 'at', now)
  redis.call('PEXPIRE', counter[1], ARGV[7])
end
return 0`;

type LoginThrottleRedis = Redis & {
  parleyBeginLogin(
    known: string,
    addressCounter: string,
    accountCounter: string,
    ...policy: number[]
  ): Promise<number>;
};

const redisKey = (key: string) => `parley:login:${key}`;

/**
 * Counters shared by every node through Redis. While Redis is unreachable it falls back to this
 * node's own counters (fails open to per-node limits, like the rate limits): logins keep working
 * in an outage, and per-node counters still slow guessing down.
 */
export class RedisLoginThrottle extends LoginThrottle {
  private readonly redis: LoginThrottleRedis;

  constructor(
    redis: Redis,
    private readonly fallback: LoginThrottle,
  ) {
    super();
    redis.defineCommand('parleyBeginLogin', { numberOfKeys: 3, lua: BEGIN_LOGIN });
    this.redis = redis as LoginThrottleRedis;
  }

  async begin(attempt: LoginAttempt): Promise<RateDecision> {
    if (this.redis.status !== 'ready') return this.fallback.begin(attempt);
    const keys = keysOf(attempt);
    try {
      const waitMs = await this.redis.parleyBeginLogin(
        redisKey(keys.known),
        redisKey(keys.address),
        redisKey(keys.account),
        ...[ADDRESS_POLICY, ACCOUNT_POLICY].flatMap((policy) => [
          policy.freeFailures,
          policy.baseDelayMs,
          policy.maxDelayMs,
        ]),
        COUNTER_LIFETIME_MS,
      );
      return waitMs === 0 ? { allowed: true } : { allowed: false, retryAfterMs: waitMs };
    } catch {
      return this.fallback.begin(attempt);
    }
  }

  async succeeded(attempt: LoginAttempt): Promise<void> {
    // Also known to this node's fallback, so an outage does not delay the user at this address.
    await this.fallback.succeeded(attempt);
    if (this.redis.status !== 'ready') return;
    const keys = keysOf(attempt);
    await this.redis
      .multi()
      .del(redisKey(keys.address))
      .set(redisKey(keys.known), '1', 'PX', KNOWN_ADDRESS_LIFETIME_MS)
      .exec()
      .catch(() => undefined);
  }
}
