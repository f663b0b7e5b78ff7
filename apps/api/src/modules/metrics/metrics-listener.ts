import { createServer, type Server } from 'node:http';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../../common/logger.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from './metrics.service.js';

/**
 * `GET /metrics` on `METRICS_PORT`, bound to `METRICS_HOST` (loopback unless set: metrics name
 * the node's internals, only a scraper on the same host or a private network should see them);
 * everything else there is 404.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metricsService: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      this.metricsService.render().then(
        (text) => {
          response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
          response.end(text);
        },
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics rendering failed');
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.metricsPort, this.config.metricsHost, () => resolve());
    });
    this.server = server;
    this.logger.info(
      { port: this.config.metricsPort, host: this.config.metricsHost },
      'metrics listening',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
