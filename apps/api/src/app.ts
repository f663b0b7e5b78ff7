import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { DestinationStream } from 'pino';
import { pinoHttp } from 'pino-http';
import { AppModule } from './app.module.js';
import { ChatIoAdapter } from './modules/chat/chat-io.adapter.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { createLogger, NestPinoLogger, serializeRequestWithoutQuery } from './common/logger.js';
import type { AppConfig } from './config/app-config.js';
import { RedisConnection } from './redis/redis-connection.js';

/** The contract's body limit: larger request bodies are answered 413. */
const BODY_LIMIT = '64kb';
const webAppFolder = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Builds one API node from its configuration, ready to `listen`; logs go to stdout by default. */
export async function createApp(
  config: AppConfig,
  logDestination?: DestinationStream,
): Promise<NestExpressApplication> {
  const logger = createLogger(config.logLevel, logDestination);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.use(
    pinoHttp({ logger, quietReqLogger: true, serializers: { req: serializeRequestWithoutQuery } }),
  );
  app.use(express.json({ limit: BODY_LIMIT }));
  app.useGlobalFilters(new HttpExceptionFilter(logger));
  const ioAdapter = new ChatIoAdapter(app, config, app.get(RedisConnection), logger);
  await ioAdapter.connectToRedis();
  app.useWebSocketAdapter(ioAdapter);
  app.enableCors({ origin: config.corsOrigins.length > 0 ? config.corsOrigins : false });
  if (existsSync(webAppFolder)) app.useStaticAssets(webAppFolder);
  return app;
}
