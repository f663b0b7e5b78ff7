import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** This node's Prometheus registry: process, heap and event-loop delay metrics. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
