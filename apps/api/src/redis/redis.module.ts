import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { AppConfig } from '../config/app-config.js';
import { RedisConnection } from './redis-connection.js';

@Global()
@Module({
  providers: [
    {
      provide: RedisConnection,
      inject: [AppConfig, LOGGER],
      useFactory: (config: AppConfig, logger: Logger) =>
        RedisConnection.open(config.redisUrl, logger),
    },
  ],
  exports: [RedisConnection],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(private readonly redis: RedisConnection) {}

  onApplicationShutdown(): Promise<void> {
    return this.redis.close();
  }
}
