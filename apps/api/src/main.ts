import 'reflect-metadata';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { LOGGER } from './common/logger.js';
import { ConfigError, loadConfig } from './config/app-config.js';

// The gateway drains sockets for at most 10 s; this bounds the whole shutdown.
const SHUTDOWN_TIMEOUT_MS = 15_000;

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
  const logger = app.get<symbol, Logger>(LOGGER);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      // New connections go to other nodes at once; open sockets are drained by the gateway.
      app.getHttpServer().close();
      setTimeout(() => {
        logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS).unref();
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  await app.listen(config.port, config.host);
  logger.info({ port: config.port }, 'Parley API listening');
}

void main();
