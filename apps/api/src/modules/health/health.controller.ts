import { Controller, Get, Res } from '@nestjs/common';
import type { HealthReport } from '@parley/protocol';
import type { Response } from 'express';
import { DatabaseConnection } from '../../database/database.js';
import { RedisConnection } from '../../redis/redis-connection.js';
import { Public } from '../auth/current-auth.decorator.js';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: DatabaseConnection,
    private readonly redis: RedisConnection,
  ) {}

  /** 200 ok; 200 degraded while a configured Redis is down; 503 while PostgreSQL is down. */
  @Get()
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    const [db, redis] = await Promise.all([
      this.database.ping().then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      this.redis.status(),
    ]);
    if (db === 'down') {
      response.status(503);
      return { status: 'down', db, redis };
    }
    return { status: redis === 'down' ? 'degraded' : 'ok', db, redis };
  }
}
