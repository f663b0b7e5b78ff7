import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { DestinationStream } from 'pino';
import { pinoHttp } from 'pino-http';
import { AppModule } from './app.module.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { createLogger, NestPinoLogger, serializeRequestWithoutQuery } from './common/logger.js';
import { securityHeaders } from './common/security-headers.js';
import type { AppConfig } from './config/app-config.js';
import { RedisIoAdapter } from './realtime/redis-io.adapter.js';
import { RedisConnection } from './redis/redis-connection.js';

/** The contract's body limit: larger request bodies are answered 413. */
const BODY_LIMIT = '64kb';
const builtWebAppFolder = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * Builds one API node from its configuration, ready to `listen`. It serves the built web app
 * from `webAppFolder` when that folder exists; logs go to stdout unless `logDestination` is given.
 */
export async function createApp(
  config: AppConfig,
  {
    webAppFolder = builtWebAppFolder,
    logDestination,
  }: { webAppFolder?: string; logDestination?: DestinationStream } = {},
): Promise<NestExpressApplication> {
  const logger = createLogger(config.logLevel, logDestination);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // First, so that every answer has them: errors of the body parser and 404s included.
  app.use(securityHeaders());
  // `request.ip` is then the client's address as the trusted proxies saw it (TRUST_PROXY).
  app.set('trust proxy', config.trustProxy);
  app.use(
    pinoHttp({ logger, quietReqLogger: true, serializers: { req: serializeRequestWithoutQuery } }),
  );
  app.use(express.json({ limit: BODY_LIMIT }));
  app.useGlobalFilters(new HttpExceptionFilter(logger));
  const ioAdapter = new RedisIoAdapter(app, config, app.get(RedisConnection), logger);
  await ioAdapter.connectToRedis();
  app.useWebSocketAdapter(ioAdapter);
  // Credentials: an allowed origin's web app keeps its session in the refresh cookie.
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: config.corsOrigins.length > 0,
  });
  if (existsSync(webAppFolder)) app.useStaticAssets(webAppFolder);
  return app;
}
