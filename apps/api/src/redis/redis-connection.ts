import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { coalesceRedisWrites } from '../common/write-coalescing.js';

export type RedisStatus = 'up' | 'down' | 'disabled';

const PING_TIMEOUT_MS = 1_000;

/** The node's Redis command connection, or none when `REDIS_URL` is unset (one node alone). */
export class RedisConnection {
  private constructor(readonly client: Redis | null) {}

  static open(url: string | undefined, logger: Logger): RedisConnection {
    if (!url) return new RedisConnection(null);
    const client = new Redis(url, {
      // Fail commands fast while Redis is away instead of queueing them without bound.
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    // Without a listener a lost connection would be an unhandled 'error' event and kill the process.
    client.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
    coalesceRedisWrites(client);
    return new RedisConnection(client);
  }

  async status(): Promise<RedisStatus> {
    if (!this.client) return 'disabled';
    if (this.client.status !== 'ready') return 'down';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.client.ping(), timeout]);
      return 'up';
    } catch {
      return 'down';
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.client) await closeRedisClient(this.client);
  }
}

/** QUIT when connected; otherwise drop the connection attempt (a queued QUIT would wait forever). */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
