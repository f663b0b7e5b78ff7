import 'reflect-metadata';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { LOGGER } from './common/logger.js';
import { ConfigError, loadConfig } from './config/app-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  app.get<symbol, Logger>(LOGGER).info({ port: config.port }, 'Parley API listening');
}

void main();
