import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { LOGGER } from '../common/logger.js';
import { MetricsService } from '../modules/metrics/metrics.service.js';
import { DatabaseConnection } from './database.js';

@Global()
@Module({
  providers: [
    {
      provide: DatabaseConnection,
      inject: [AppConfig, LOGGER, MetricsService],
      useFactory: async (config: AppConfig, logger: Logger, metrics: MetricsService) => {
        const connection = await DatabaseConnection.open({
          databaseUrl: config.databaseUrl,
          poolSize: config.databasePoolSize,
          dataDir: config.dataDir,
          logger,
          poolWait: metrics,
        });
        metrics.watchPoolQueue(() => connection.poolWaitingCount);
        return connection;
      },
    },
  ],
  exports: [DatabaseConnection],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly moduleRef: ModuleRef) {}

  async onApplicationShutdown(): Promise<void> {
    await this.moduleRef.get(DatabaseConnection).close();
  }
}
