import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { LOGGER } from '../common/logger.js';
import { DatabaseConnection } from './database.js';

@Global()
@Module({
  providers: [
    {
      provide: DatabaseConnection,
      inject: [AppConfig, LOGGER],
      useFactory: (config: AppConfig, logger: Logger) =>
        DatabaseConnection.open({
          databaseUrl: config.databaseUrl,
          poolSize: config.databasePoolSize,
          dataDir: config.dataDir,
          logger,
        }),
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
