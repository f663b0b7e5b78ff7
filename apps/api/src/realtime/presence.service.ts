import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { AppConfig } from '../config/app-config.js';
import { RedisConnection } from '../redis/redis-connection.js';

const KEY_PREFIX = 'parley:presence';
const userNodesKey = (userId: string) => `${KEY_PREFIX}:user:${userId}`;
const nodeUsersKey = (nodeId: string) => `${KEY_PREFIX}:node:${nodeId}:users`;
const nodeAliveKey = (nodeId: string) => `${KEY_PREFIX}:node:${nodeId}:alive`;
const NODES_KEY = `${KEY_PREFIX}:nodes`;

// KEYS: the user's node set, the node's user set; ARGV: node id, user id. Returns how many nodes
// the user is still on: 1 after an add means "came online", 0 after a removal "went offline".
const ADD_SOCKET_OWNER = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return redis.call('SCARD', KEYS[1])`;
const REMOVE_SOCKET_OWNER = `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
return redis.call('SCARD', KEYS[1])`;

type PresenceRedis = Redis & {
  addSocketOwner(
    userNodes: string,
    nodeUsers: string,
    nodeId: string,
    userId: string,
  ): Promise<number>;
  removeSocketOwner(
    userNodes: string,
    nodeUsers: string,
    nodeId: string,
    userId: string,
  ): Promise<number>;
};

/**
 * Who is online. Each node counts its own sockets per user; with Redis, each node also records
 * which nodes hold a user, so a user is online while any socket on any node is connected. A node
 * that dies stops renewing its heartbeat key, and the other nodes then take its users offline.
 * While Redis is unreachable, presence falls back to this node's own view.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy {
  readonly nodeId = randomUUID();
  private readonly socketCounts = new Map<string, number>();
  private readonly redis: PresenceRedis | null;
  private heartbeatTimer?: NodeJS.Timeout;
  private wentOfflineElsewhere: (userIds: string[]) => void = () => undefined;

  constructor(
    redisConnection: RedisConnection,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.redis = redisConnection.client as PresenceRedis | null;
    this.redis?.defineCommand('addSocketOwner', { numberOfKeys: 2, lua: ADD_SOCKET_OWNER });
    this.redis?.defineCommand('removeSocketOwner', { numberOfKeys: 2, lua: REMOVE_SOCKET_OWNER });
  }

  onModuleInit(): void {
    if (!this.redis) return;
    // Redis restarted empty after an outage: tell it again who is here.
    this.redis.on('ready', () => void this.registerLocalUsers());
    const periodMs = (this.config.presenceTtlSec * 1000) / 3;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), periodMs);
    this.heartbeatTimer.unref();
    void this.heartbeat();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    if (this.isRedisReady()) await this.redis!.del(nodeAliveKey(this.nodeId)).catch(() => 0);
  }

  /** Called with users another node's death took offline, so their peers can be told. */
  onWentOfflineElsewhere(listener: (userIds: string[]) => void): void {
    this.wentOfflineElsewhere = listener;
  }

  /** Counts a new socket; resolves true when the user just came online (everywhere). */
  async socketConnected(userId: string): Promise<boolean> {
    const count = (this.socketCounts.get(userId) ?? 0) + 1;
    this.socketCounts.set(userId, count);
    if (count > 1) return false;
    if (!this.isRedisReady()) return true;
    const nodes = await this.redis!.addSocketOwner(
      userNodesKey(userId),
      nodeUsersKey(this.nodeId),
      this.nodeId,
      userId,
    ).catch(() => 1);
    return nodes === 1;
  }

  /** Counts a closed socket; resolves true when the user just went offline (everywhere). */
  async socketDisconnected(userId: string): Promise<boolean> {
    const count = (this.socketCounts.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.socketCounts.set(userId, count);
      return false;
    }
    this.socketCounts.delete(userId);
    if (!this.isRedisReady()) return true;
    const nodes = await this.redis!.removeSocketOwner(
      userNodesKey(userId),
      nodeUsersKey(this.nodeId),
      this.nodeId,
      userId,
    ).catch(() => 0);
    return nodes === 0;
  }

  async onlineAmong(userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    if (!this.isRedisReady()) return userIds.filter((userId) => this.socketCounts.has(userId));
    const pipeline = this.redis!.pipeline();
    for (const userId of userIds) pipeline.scard(userNodesKey(userId));
    const results = (await pipeline.exec()) ?? [];
    return userIds.filter(
      (userId, index) => this.socketCounts.has(userId) || Number(results[index]?.[1]) > 0,
    );
  }

  private isRedisReady(): boolean {
    return this.redis?.status === 'ready';
  }

  private async registerLocalUsers(): Promise<void> {
    if (this.socketCounts.size === 0) return;
    const pipeline = this.redis!.pipeline();
    for (const userId of this.socketCounts.keys()) {
      pipeline.sadd(userNodesKey(userId), this.nodeId);
      pipeline.sadd(nodeUsersKey(this.nodeId), userId);
    }
    await pipeline.exec().catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    if (!this.isRedisReady()) return;
    try {
      await this.redis!.multi()
        .set(nodeAliveKey(this.nodeId), '1', 'PX', this.config.presenceTtlSec * 1000)
        .sadd(NODES_KEY, this.nodeId)
        .exec();
      const nodeIds = await this.redis!.smembers(NODES_KEY);
      for (const nodeId of nodeIds) {
        if (nodeId !== this.nodeId && !(await this.redis!.exists(nodeAliveKey(nodeId)))) {
          await this.reapDeadNode(nodeId);
        }
      }
    } catch (error) {
      this.logger.debug({ err: error }, 'presence heartbeat failed');
    }
  }

  /** Takes a dead node's users offline; a lock makes one live node do it. */
  private async reapDeadNode(nodeId: string): Promise<void> {
    const lock = `${KEY_PREFIX}:reap:${nodeId}`;
    const locked = await this.redis!.set(lock, this.nodeId, 'PX', 30_000, 'NX');
    if (!locked) return;
    const userIds = await this.redis!.smembers(nodeUsersKey(nodeId));
    const wentOffline: string[] = [];
    for (const userId of userIds) {
      const nodes = await this.redis!.removeSocketOwner(
        userNodesKey(userId),
        nodeUsersKey(nodeId),
        nodeId,
        userId,
      );
      if (nodes === 0) wentOffline.push(userId);
    }
    await this.redis!.multi().del(nodeUsersKey(nodeId)).srem(NODES_KEY, nodeId).exec();
    this.logger.info({ nodeId, users: userIds.length }, 'reaped a dead node');
    if (wentOffline.length > 0) this.wentOfflineElsewhere(wentOffline);
  }
}
