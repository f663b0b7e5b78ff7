import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Server, ServerOptions } from 'socket.io';
import { securityHeaders } from '../common/security-headers.js';
import type { AppConfig } from '../config/app-config.js';
import { coalesceRedisWrites } from '../common/write-coalescing.js';
import { closeRedisClient, type RedisConnection } from '../redis/redis-connection.js';
import { isOriginAllowed } from './handshake-origin.js';

/** The contract's frame limit: a larger frame closes that socket, as Socket.IO does. */
export const MAX_FRAME_BYTES = 64 * 1024;
const REDIS_READY_TIMEOUT_MS = 5_000;

/**
 * Creates the Socket.IO server with the contract's limits and, with `REDIS_URL`, the Redis
 * adapter that joins the nodes. WebSocket upgrades are not covered by CORS, so the handshake
 * checks `Origin` against the same allowlist itself.
 */
export class RedisIoAdapter extends IoAdapter {
  private pubClient?: Redis;
  private subClient?: Redis;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly redis: RedisConnection,
    private readonly logger: Logger,
  ) {
    super(app);
  }

  /** Connects the adapter's Redis clients before the server exists (as NestJS's sample does). */
  async connectToRedis(): Promise<void> {
    if (!this.redis.client) return;
    // No offline queue: a publish during an outage fails at once instead of arriving late;
    // clients catch up through `resync` -> `sync` anyway.
    this.pubClient = this.redis.client.duplicate({ enableOfflineQueue: false });
    // ioredis restores subscriptions after a reconnect (node-redis did not: socket.io#4845).
    // Subscribing waits for Redis however long it takes: the adapter does not catch a failure.
    this.subClient = this.redis.client.duplicate({ maxRetriesPerRequest: null });
    for (const client of [this.pubClient, this.subClient]) {
      client.on('error', (error) => this.logger.warn({ err: error }, 'redis pub/sub error'));
    }
    swallowPublishFailures(this.pubClient, this.logger);
    // A send batch's message:new publishes, and every other publish of the turn, in one write.
    coalesceRedisWrites(this.pubClient);
    await Promise.all([this.pubClient, this.subClient].map(waitUntilReady));
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.corsOrigins;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: MAX_FRAME_BYTES,
      cors: { origin: origins.length > 0 ? origins : false },
      allowRequest: (
        request: IncomingMessage,
        callback: (error: string | null, ok: boolean) => void,
      ) => callback(null, isOriginAllowed(request, origins)),
    }) as Server;
    // Engine.IO answers its HTTP requests (handshake, long-polling) without Express.
    server.engine.use(securityHeaders());
    if (this.pubClient && this.subClient) {
      server.adapter(createAdapter(this.pubClient, this.subClient, { requestsTimeout: 3_000 }));
      this.resyncAfterOutage(server, this.subClient);
    }
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await Promise.all(
      [this.pubClient, this.subClient].map((client) => client && closeRedisClient(client)),
    );
  }

  /**
   * While the subscriber was away, broadcasts from other nodes were lost to this node's sockets:
   * once it is back (and resubscribed), every local socket is told to `sync`.
   */
  private resyncAfterOutage(server: Server, subClient: Redis): void {
    let lost = false;
    subClient.on('close', () => {
      lost = true;
    });
    subClient.on('ready', () => {
      if (!lost) return;
      lost = false;
      // A PING answers after the resubscribe commands sent before it: then nothing is missed.
      subClient.ping().then(
        () => {
          this.logger.info('redis is back: asking local sockets to resync');
          server.local.emit('resync', {});
        },
        (error: unknown) => this.logger.warn({ err: error }, 'redis ping after recovery failed'),
      );
    });
  }
}

/**
 * The adapter does not await its publishes (`this.pubClient.publish(channel, msg)` in
 * `broadcast`, https://github.com/socketio/socket.io-redis-adapter/blob/8.3.0/lib/index.ts#L636;
 * its emitter has the same flaw, socketio/socket.io-redis-emitter#139): a rejection would be
 * unhandled and kill the node.
 */
function swallowPublishFailures(client: Redis, logger: Logger): void {
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<number>;
  (client as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish = (
    ...args: unknown[]
  ) =>
    publish(...args).catch((error: unknown) => {
      logger.debug({ err: error }, 'redis publish failed');
      return 0;
    });
}

function waitUntilReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    // Redis may be down at start-up: the node starts degraded and the client keeps retrying.
    const timer = setTimeout(resolve, REDIS_READY_TIMEOUT_MS);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
