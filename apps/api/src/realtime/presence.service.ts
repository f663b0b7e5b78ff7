import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { PresenceEvent } from '@parley/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { AppConfig } from '../config/app-config.js';
import { closeRedisClient, RedisConnection } from '../redis/redis-connection.js';

const KEY_PREFIX = 'parley:presence';
const userNodesKey = (userId: string) => `${KEY_PREFIX}:user:${userId}`;
const announcedOnlineKey = (userId: string) => `${KEY_PREFIX}:user:${userId}:announced`;
const nodeUsersKey = (nodeId: string) => `${KEY_PREFIX}:node:${nodeId}:users`;
/** `<prefix><node id>:alive` exists while that node lives: one heartbeat for every per-node count. */
export const NODE_KEY_PREFIX = `${KEY_PREFIX}:node:`;
const nodeAliveKey = (nodeId: string) => `${NODE_KEY_PREFIX}${nodeId}:alive`;
const nodeSnapshotChannel = (nodeId: string) => `${KEY_PREFIX}:node:${nodeId}:snapshots`;
const NODES_KEY = `${KEY_PREFIX}:nodes`;
const ANNOUNCEMENTS_CHANNEL = `${KEY_PREFIX}:announcements`;
// The "announced online" marker only spares peers a repeated "online"; it expires in case the
// node that would have cleared it died in between.
const ANNOUNCED_TTL_MS = 24 * 60 * 60 * 1000;
const SUBSCRIBE_TIMEOUT_MS = 5_000;

// KEYS: the user's node set, the node's user set; ARGV: node id, user id.
const ADD_SOCKET_OWNER = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])`;
// KEYS: the user's node set, the node's user set, the user's "announced online" marker;
// ARGV: node id, user id, channel, "offline" message (or ''). When no node holds the user any
// more, publishes the message in the same step: nothing can slip between the two.
// Returns how many nodes the user is still on.
const REMOVE_SOCKET_OWNER = `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
local nodes = redis.call('SCARD', KEYS[1])
if nodes == 0 then
  redis.call('DEL', KEYS[3])
  if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
end
return nodes`;
// KEYS: the user's node set, their "announced online" marker; ARGV: status, channel, message,
// marker lifetime. Publishes only a status that is still true, and "online" only once: checked
// and published in one step, so the channel carries each user's announcements in the order of
// the changes, whichever node made them.
const ANNOUNCE = `
local online = redis.call('SCARD', KEYS[1]) > 0
if ARGV[1] == 'online' then
  if not online or not redis.call('SET', KEYS[2], '1', 'PX', ARGV[4], 'NX') then return 0 end
else
  if online then return 0 end
  redis.call('DEL', KEYS[2])
end
redis.call('PUBLISH', ARGV[2], ARGV[3])`;
// KEYS: the user's node set; ARGV: channel, "online" message. Introduces an online user to a new
// audience (people who just started sharing a conversation with them, or who may now see them):
// checked and published in one step, so their "offline" on the channel comes before it (and it
// is dropped) or after it, never a stale "online" after the "offline". Leaves the "announced
// online" marker alone: the audience is new, the user's other peers were told already.
const INTRODUCE = `
if redis.call('SCARD', KEYS[1]) == 0 then return 0 end
return redis.call('PUBLISH', ARGV[1], ARGV[2])`;
// KEYS: the node sets of the peers; ARGV: this node's snapshot channel, the socket id, then the
// peer ids in the order of KEYS. Publishes the online peers on the channel this node reads the
// announcements from, so the snapshot sits in order among them; returns them instead when no
// one listens there.
const SNAPSHOT = `
local online = {}
for index, key in ipairs(KEYS) do
  if redis.call('SCARD', key) > 0 then online[#online + 1] = ARGV[index + 2] end
end
if #online == 0 then return {} end
local message = cjson.encode({ socketId = ARGV[2], userIds = online })
if redis.call('PUBLISH', ARGV[1], message) > 0 then return {} end
return online`;

type PresenceRedis = Redis & {
  addSocketOwner(
    userNodes: string,
    nodeUsers: string,
    nodeId: string,
    userId: string,
  ): Promise<void>;
  removeSocketOwner(
    userNodes: string,
    nodeUsers: string,
    announcedOnline: string,
    nodeId: string,
    userId: string,
    channel: string,
    offlineMessage: string,
  ): Promise<number>;
  announcePresence(
    userNodes: string,
    announcedOnline: string,
    status: PresenceEvent['status'],
    channel: string,
    message: string,
    markerTtlMs: number,
  ): Promise<void>;
  presenceSnapshot(keyCount: number, ...keysThenArgs: string[]): Promise<string[]>;
};

type PresencePipeline = ReturnType<Redis['pipeline']> & {
  introducePresence(userNodes: string, channel: string, message: string): PresencePipeline;
};

/** A presence change for the sockets in `rooms`, minus those in `except`. */
export interface PresenceAnnouncement {
  userId: string;
  status: PresenceEvent['status'];
  lastSeenAt: string;
  rooms: string[];
  except: string[];
}

/** "Online" for a new audience: the sockets in `rooms`. */
export interface PresenceIntroduction {
  userId: string;
  rooms: string[];
}

/** How this node hands presence to its own sockets. */
export interface PresenceDelivery {
  announcement(announcement: PresenceAnnouncement): void;
  /** The peers of a socket who are online, for the socket that just connected. */
  snapshot(socketId: string, onlineUserIds: string[]): void;
}

/**
 * Who is online. Each node counts its own sockets per user; with Redis, each node also records
 * which nodes hold a user, so a user is online while any socket on any node is connected. A node
 * that dies stops renewing its heartbeat key, and the other nodes then take its users offline.
 * Announcements go through Redis in the order of the changes (see `announce`). While Redis is
 * unreachable, presence falls back to this node's own view.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy {
  readonly nodeId = randomUUID();
  private readonly socketCounts = new Map<string, number>();
  /** Registrations in Redis still under way, so a second socket waits for the first one's. */
  private readonly pendingRegistrations = new Map<string, Promise<void>>();
  /** Without Redis: who this node last announced online. */
  private readonly announcedOnline = new Set<string>();
  private readonly redis: PresenceRedis | null;
  private subscriber?: Redis;
  private heartbeatTimer?: NodeJS.Timeout;
  private wentOfflineElsewhere: (userIds: string[]) => void = () => undefined;
  private delivery: PresenceDelivery = { announcement: () => undefined, snapshot: () => undefined };

  constructor(
    redisConnection: RedisConnection,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.redis = redisConnection.client as PresenceRedis | null;
    this.redis?.defineCommand('addSocketOwner', { numberOfKeys: 2, lua: ADD_SOCKET_OWNER });
    this.redis?.defineCommand('removeSocketOwner', { numberOfKeys: 3, lua: REMOVE_SOCKET_OWNER });
    this.redis?.defineCommand('announcePresence', { numberOfKeys: 2, lua: ANNOUNCE });
    this.redis?.defineCommand('introducePresence', { numberOfKeys: 1, lua: INTRODUCE });
    this.redis?.defineCommand('presenceSnapshot', { lua: SNAPSHOT });
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis) return;
    // Redis came back after an outage: tell it again who is here, and who left meanwhile.
    this.redis.on('ready', () => {
      void this.heartbeat();
      void this.restoreLocalUsers();
    });
    const periodMs = (this.config.presenceTtlSec * 1000) / 3;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), periodMs);
    this.heartbeatTimer.unref();
    void this.heartbeat();
    await this.subscribe();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    if (this.subscriber) await closeRedisClient(this.subscriber);
    if (this.isRedisReady()) await this.redis!.del(nodeAliveKey(this.nodeId)).catch(() => 0);
  }

  /**
   * Called with users taken offline without their rooms at hand (another node died, or they left
   * this one while Redis was away), so their peers can be told through `announce`.
   */
  onWentOfflineElsewhere(listener: (userIds: string[]) => void): void {
    this.wentOfflineElsewhere = listener;
  }

  deliverTo(delivery: PresenceDelivery): void {
    this.delivery = delivery;
  }

  /** Counts a new socket; resolves once every node can see that the user has it. */
  async socketConnected(userId: string): Promise<void> {
    const count = (this.socketCounts.get(userId) ?? 0) + 1;
    this.socketCounts.set(userId, count);
    if (count > 1) return this.pendingRegistrations.get(userId);
    if (!this.isRedisReady()) return;
    const registration = this.redis!.addSocketOwner(
      userNodesKey(userId),
      nodeUsersKey(this.nodeId),
      this.nodeId,
      userId,
    ).catch((error: unknown) => {
      this.logger.debug({ err: error }, 'presence registration through redis failed');
    });
    this.pendingRegistrations.set(userId, registration);
    await registration;
    if (this.pendingRegistrations.get(userId) === registration) {
      this.pendingRegistrations.delete(userId);
    }
  }

  /**
   * Counts a closed socket. If it was the user's last one on any node, `offline` goes to their
   * peers, decided and published in one step (a registration elsewhere comes before or after
   * it, never in between).
   */
  async socketDisconnected(offline: PresenceAnnouncement): Promise<void> {
    const { userId } = offline;
    const count = (this.socketCounts.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.socketCounts.set(userId, count);
      return;
    }
    this.socketCounts.delete(userId);
    if (this.isRedisReady()) {
      try {
        await this.removeSocketOwner(this.nodeId, userId, offline);
        return;
      } catch (error) {
        this.logger.debug({ err: error }, 'presence removal through redis failed');
      }
    }
    this.announceLocally(offline);
  }

  /**
   * Tells the user's peers on every node, unless the status is no longer true by the time it
   * would go out (a later change then has its own announcement), or "online" was told already.
   * So a peer's last word on a user is the truth, and "offline" never overtakes a later
   * "online": the check and the publish are one step in Redis.
   */
  async announce(announcement: PresenceAnnouncement): Promise<void> {
    if (this.isRedisReady()) {
      try {
        await this.redis!.announcePresence(
          userNodesKey(announcement.userId),
          announcedOnlineKey(announcement.userId),
          announcement.status,
          ANNOUNCEMENTS_CHANNEL,
          JSON.stringify(announcement),
          ANNOUNCED_TTL_MS,
        );
        return;
      } catch (error) {
        this.logger.debug({ err: error }, 'presence announcement through redis failed');
      }
    }
    this.announceLocally(announcement);
  }

  /**
   * Tells each new audience that its user is online, if the user still is when it goes out:
   * through the ordered channel, like `announce`, so it cannot land after the user's "offline".
   * The callers have applied the privacy settings to the rooms already. One pipelined script
   * per introduction.
   */
  async introduce(introductions: PresenceIntroduction[]): Promise<void> {
    const lastSeenAt = new Date().toISOString();
    const announcements: PresenceAnnouncement[] = introductions
      .filter(({ rooms }) => rooms.length > 0)
      .map(({ userId, rooms }) => ({ userId, status: 'online', lastSeenAt, rooms, except: [] }));
    if (announcements.length === 0) return;
    let notPublished = announcements;
    if (this.isRedisReady()) {
      try {
        const pipeline = this.redis!.pipeline() as PresencePipeline;
        for (const announcement of announcements) {
          pipeline.introducePresence(
            userNodesKey(announcement.userId),
            ANNOUNCEMENTS_CHANNEL,
            JSON.stringify(announcement),
          );
        }
        const results = (await pipeline.exec()) ?? [];
        notPublished = announcements.filter((_announcement, index) => results[index]?.[0]);
      } catch (error) {
        this.logger.debug({ err: error }, 'presence introductions through redis failed');
      }
    }
    for (const announcement of notPublished) {
      if (this.socketCounts.has(announcement.userId)) this.delivery.announcement(announcement);
    }
  }

  /**
   * Gives a socket that just connected the peers who are online. Through Redis the snapshot
   * reaches this node in order among the announcements, so a peer's later change follows it
   * and an earlier one was already in the snapshot.
   */
  async sendSnapshot(socketId: string, peerIds: string[]): Promise<void> {
    if (peerIds.length === 0) return;
    let online = peerIds.filter((userId) => this.socketCounts.has(userId));
    if (this.isRedisReady()) {
      online = await this.redis!.presenceSnapshot(
        peerIds.length,
        ...peerIds.map(userNodesKey),
        nodeSnapshotChannel(this.nodeId),
        socketId,
        ...peerIds,
      ).catch(() => online);
    }
    if (online.length > 0) this.delivery.snapshot(socketId, online);
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

  /** Resolves with how many nodes still hold the user; publishes `offline` when none does. */
  private removeSocketOwner(
    nodeId: string,
    userId: string,
    offline?: PresenceAnnouncement,
  ): Promise<number> {
    return this.redis!.removeSocketOwner(
      userNodesKey(userId),
      nodeUsersKey(nodeId),
      announcedOnlineKey(userId),
      nodeId,
      userId,
      ANNOUNCEMENTS_CHANNEL,
      offline && offline.rooms.length > 0 ? JSON.stringify(offline) : '',
    );
  }

  private isRedisReady(): boolean {
    return this.redis?.status === 'ready';
  }

  /** This node's view alone, with the same rules as `announce`. */
  private announceLocally(announcement: PresenceAnnouncement): void {
    const { userId, status } = announcement;
    if ((status === 'online') !== this.socketCounts.has(userId)) return;
    if (status === 'online') {
      if (this.announcedOnline.has(userId)) return;
      this.announcedOnline.add(userId);
    } else {
      this.announcedOnline.delete(userId);
    }
    this.delivery.announcement(announcement);
  }

  private async subscribe(): Promise<void> {
    // Subscriptions wait for Redis however long it takes; ioredis restores them after a reconnect.
    this.subscriber = this.redis!.duplicate({ maxRetriesPerRequest: null });
    this.subscriber.on('error', (error) => this.logger.warn({ err: error }, 'redis sub error'));
    this.subscriber.on('message', (channel: string, message: string) =>
      this.receive(channel, message),
    );
    const subscribed = this.subscriber
      .subscribe(ANNOUNCEMENTS_CHANNEL, nodeSnapshotChannel(this.nodeId))
      .catch(() => undefined);
    // Redis may be down at start-up: the node starts degraded and subscribes when it is back.
    await Promise.race([
      subscribed,
      new Promise((resolve) => this.subscriber!.once('error', resolve)),
      new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_TIMEOUT_MS).unref()),
    ]);
  }

  private receive(channel: string, message: string): void {
    try {
      if (channel === ANNOUNCEMENTS_CHANNEL) {
        this.delivery.announcement(JSON.parse(message) as PresenceAnnouncement);
      } else {
        const snapshot = JSON.parse(message) as { socketId: string; userIds: string[] };
        this.delivery.snapshot(snapshot.socketId, snapshot.userIds);
      }
    } catch (error) {
      this.logger.warn({ err: error, channel }, 'presence message not delivered');
    }
  }

  /**
   * Registers this node's users again (Redis may have restarted empty) and removes those who
   * left while Redis was away, taking offline the ones no other node holds.
   */
  private async restoreLocalUsers(): Promise<void> {
    try {
      const registered = await this.redis!.smembers(nodeUsersKey(this.nodeId));
      const pipeline = this.redis!.pipeline();
      for (const userId of this.socketCounts.keys()) {
        pipeline.sadd(userNodesKey(userId), this.nodeId);
        pipeline.sadd(nodeUsersKey(this.nodeId), userId);
      }
      await pipeline.exec();
      const wentOffline: string[] = [];
      for (const userId of registered) {
        // Checked just before the removal: a socket registering meanwhile sends its add after it.
        if (this.socketCounts.has(userId)) continue;
        if ((await this.removeSocketOwner(this.nodeId, userId)) === 0) wentOffline.push(userId);
      }
      if (wentOffline.length > 0) this.wentOfflineElsewhere(wentOffline);
    } catch (error) {
      this.logger.debug({ err: error }, 'presence restore failed');
    }
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
      if ((await this.removeSocketOwner(nodeId, userId)) === 0) wentOffline.push(userId);
    }
    await this.redis!.multi().del(nodeUsersKey(nodeId)).srem(NODES_KEY, nodeId).exec();
    this.logger.info({ nodeId, users: userIds.length }, 'reaped a dead node');
    if (wentOffline.length > 0) this.wentOfflineElsewhere(wentOffline);
  }
}
