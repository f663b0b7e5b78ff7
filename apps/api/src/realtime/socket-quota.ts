import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { AppConfig } from '../config/app-config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { NODE_KEY_PREFIX, PresenceService } from './presence.service.js';

const KEY_PREFIX = 'parley:sockets';
const userCountsKey = (userId: string) => `${KEY_PREFIX}:user:${userId}`;
// Every socket lives no longer than its access token, so a user's counts are rewritten at least
// that often; a day without a write means the user is gone.
const USER_COUNTS_TTL_MS = 24 * 60 * 60 * 1000;

// KEYS[1]: the user's hash of node id -> sockets. ARGV: this node's id, this node's count with
// the new socket, the cap, the alive-key prefix, the hash's time to live. Fields of nodes whose
// alive key (presence's heartbeat) is gone (crashed) are dropped instead of counted. Returns 1
// admitted, 0 refused.
const RESERVE_SOCKET = `
local total = tonumber(ARGV[2])
local counts = redis.call('HGETALL', KEYS[1])
for index = 1, #counts, 2 do
  local node = counts[index]
  if node ~= ARGV[1] then
    if redis.call('EXISTS', ARGV[4] .. node .. ':alive') == 1 then
      total = total + tonumber(counts[index + 1])
    else
      redis.call('HDEL', KEYS[1], node)
    end
  end
end
if total > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

type SocketQuotaRedis = Redis & {
  parleyReserveSocket(
    userCounts: string,
    nodeId: string,
    localCount: number,
    max: number,
    alivePrefix: string,
    ttlMs: number,
  ): Promise<number>;
};

/** A handshake over `MAX_SOCKETS_PER_USER`: the client gets `connect_error` with this message. */
export class TooManySocketsError extends Error {
  constructor() {
    super('too_many_connections');
    this.name = 'TooManySocketsError';
  }
}

/** One admitted socket; `release` is safe to call more than once. */
export interface SocketSlot {
  release(): void;
}

/**
 * Caps the sockets of one user across all nodes (`MAX_SOCKETS_PER_USER`). This node's own
 * count is the truth for this node: Redis holds a copy per node (a hash per user), written after
 * every change, and a node's copy stops counting once its presence heartbeat expires, so a crashed
 * node's sockets do not count forever. While Redis is unreachable the cap holds per node.
 */
@Injectable()
export class SocketQuota implements OnModuleInit, OnModuleDestroy {
  private readonly localCounts = new Map<string, number>();
  /** Users whose count Redis may not have: written again once Redis is back. */
  private readonly unsynced = new Set<string>();
  private readonly redis: SocketQuotaRedis | null;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    redisConnection: RedisConnection,
    private readonly presence: PresenceService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.redis = redisConnection.client as SocketQuotaRedis | null;
    this.redis?.defineCommand('parleyReserveSocket', { numberOfKeys: 1, lua: RESERVE_SOCKET });
  }

  onModuleInit(): void {
    if (!this.redis) return;
    // Back after an outage, or a Redis that restarted empty: write this node's counts again.
    this.redis.on('ready', () => {
      for (const userId of this.localCounts.keys()) this.unsynced.add(userId);
      void this.writeUnsynced();
    });
    const periodMs = (this.config.presenceTtlSec * 1000) / 3;
    this.retryTimer = setInterval(() => void this.writeUnsynced(), periodMs);
    this.retryTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.retryTimer);
  }

  /** Admits one more socket of `userId`, or throws {@link TooManySocketsError}. */
  async reserve(userId: string): Promise<SocketSlot> {
    const count = (this.localCounts.get(userId) ?? 0) + 1;
    if (count > this.config.maxSocketsPerUser) throw new TooManySocketsError();
    // Counted before the await, so concurrent handshakes of one user on this node see each other.
    this.localCounts.set(userId, count);
    let released = false;
    const slot: SocketSlot = {
      release: () => {
        if (released) return;
        released = true;
        this.changeLocalCount(userId, -1);
      },
    };
    if (!this.isRedisReady()) {
      this.unsynced.add(userId);
      return slot;
    }
    let admitted: number;
    try {
      admitted = await this.redis!.parleyReserveSocket(
        userCountsKey(userId),
        this.presence.nodeId,
        count,
        this.config.maxSocketsPerUser,
        NODE_KEY_PREFIX,
        USER_COUNTS_TTL_MS,
      );
    } catch (error) {
      this.logger.debug({ err: error }, 'socket quota: redis unavailable, counting locally');
      this.unsynced.add(userId);
      return slot;
    }
    if (admitted === 1) return slot;
    slot.release();
    throw new TooManySocketsError();
  }

  private changeLocalCount(userId: string, delta: number): void {
    const count = (this.localCounts.get(userId) ?? 0) + delta;
    if (count > 0) this.localCounts.set(userId, count);
    else this.localCounts.delete(userId);
    this.unsynced.add(userId);
    void this.writeUnsynced();
  }

  /** Copies this node's current counts of the unsynced users to Redis (HDEL at zero). */
  private async writeUnsynced(): Promise<void> {
    if (!this.isRedisReady() || this.unsynced.size === 0) return;
    const userIds = [...this.unsynced];
    this.unsynced.clear();
    const pipeline = this.redis!.pipeline();
    for (const userId of userIds) {
      const count = this.localCounts.get(userId) ?? 0;
      if (count > 0) {
        pipeline.hset(userCountsKey(userId), this.presence.nodeId, count);
        pipeline.pexpire(userCountsKey(userId), USER_COUNTS_TTL_MS);
      } else {
        pipeline.hdel(userCountsKey(userId), this.presence.nodeId);
      }
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      if (results.some(([error]) => error)) throw new Error('a socket count write failed');
    } catch (error) {
      this.logger.debug({ err: error }, 'socket quota: count write failed, retrying later');
      for (const userId of userIds) this.unsynced.add(userId);
    }
  }

  private isRedisReady(): boolean {
    return this.redis?.status === 'ready';
  }
}
