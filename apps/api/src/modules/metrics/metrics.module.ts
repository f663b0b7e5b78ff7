import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsListener } from './metrics-listener.js';
import { MetricsService } from './metrics.service.js';

@Global()
@Module({})
export class MetricsModule {
  /** With `METRICS_PORT`, `/metrics` moves off the public port onto a loopback listener. */
  static forRoot(config: AppConfig): DynamicModule {
    const separate = config.metricsPort !== undefined;
    return {
      module: MetricsModule,
      controllers: separate ? [] : [MetricsController],
      providers: [MetricsService, ...(separate ? [MetricsListener] : [])],
      exports: [MetricsService],
    };
  }
}
