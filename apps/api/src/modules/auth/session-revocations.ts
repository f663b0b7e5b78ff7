import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logger.js';
import { AppConfig } from '../../config/app-config.js';
import { RedisConnection } from '../../redis/redis-connection.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';

const revokedKey = (sessionId: string) => `parley:session:revoked:${sessionId}`;
// Covers clock skew between the node that signed a token and the one that checks it.
const CLOCK_SKEW_MS = 60_000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Which sessions were ended (logout, refresh-token reuse, all sessions of a user) while access
 * tokens issued for them may still be unexpired. A revocation only has to be remembered for one
 * access-token lifetime: after that every token of the session has expired anyway.
 *
 * Alone (no Redis), this node's memory sees every revocation. With Redis, each revocation is a
 * key with that lifetime, so a check costs one `EXISTS` and no database round trip, and a session
 * ended on one node is refused on every node as soon as the ending request has answered. While
 * Redis is unreachable the check asks PostgreSQL, the source of truth, instead of guessing.
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnModuleDestroy {
  /** Session id -> epoch ms until which it must stay refused; revoked here or seen in Redis. */
  private readonly revokedUntil = new Map<string, number>();
  private readonly redis: Redis | null;
  private readonly lifetimeMs: number;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    redisConnection: RedisConnection,
    config: AppConfig,
    private readonly refreshTokensRepository: RefreshTokensRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.redis = redisConnection.client;
    this.lifetimeMs = config.accessTokenTtlSec * 1000 + CLOCK_SKEW_MS;
  }

  onModuleInit(): void {
    // Revocations this node could not write during an outage, or that a Redis restarted empty
    // forgot: write them again.
    this.redis?.on('ready', () => void this.writeToRedis([...this.revokedUntil.keys()]));
    this.sweepTimer = setInterval(() => this.sweepExpired(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** Call after the sessions' refresh tokens were revoked in the database. */
  async revoke(sessionIds: string[]): Promise<void> {
    const until = Date.now() + this.lifetimeMs;
    for (const sessionId of sessionIds) this.revokedUntil.set(sessionId, until);
    await this.writeToRedis(sessionIds);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if ((this.revokedUntil.get(sessionId) ?? 0) > Date.now()) return true;
    if (!this.redis) return false;
    if (this.redis.status === 'ready') {
      try {
        const revoked = (await this.redis.exists(revokedKey(sessionId))) === 1;
        if (revoked) this.revokedUntil.set(sessionId, Date.now() + this.lifetimeMs);
        return revoked;
      } catch (error) {
        this.logger.debug({ err: error }, 'session revocation lookup failed');
      }
    }
    return !(await this.refreshTokensRepository.isSessionActive(sessionId));
  }

  private async writeToRedis(sessionIds: string[]): Promise<void> {
    if (!this.redis || this.redis.status !== 'ready' || sessionIds.length === 0) return;
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const sessionId of sessionIds) {
      const remainingMs = (this.revokedUntil.get(sessionId) ?? 0) - now;
      if (remainingMs > 0) pipeline.set(revokedKey(sessionId), '1', 'PX', remainingMs);
    }
    try {
      await pipeline.exec();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not record session revocations in redis');
    }
  }

  private sweepExpired(): void {
    const now = Date.now();
    for (const [sessionId, until] of this.revokedUntil) {
      if (until <= now) this.revokedUntil.delete(sessionId);
    }
  }
}
