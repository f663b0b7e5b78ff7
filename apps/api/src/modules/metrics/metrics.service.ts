import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolWaitObserver } from '../../database/database.js';

/**
 * This node's Prometheus registry: process, heap and event-loop delay metrics, and how long
 * statements wait for a pooled PostgreSQL connection.
 */
@Injectable()
export class MetricsService implements PoolWaitObserver {
  readonly registry = new Registry();

  private readonly poolWait = new Histogram({
    name: 'parley_db_pool_wait_seconds',
    help: 'Time a statement waited for a pooled PostgreSQL connection',
    // Sub-millisecond when a connection is idle; the tail is what issue 11 asks about.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }

  observeWait(seconds: number): void {
    this.poolWait.observe(seconds);
  }

  /** Reports the pool's queue length on every scrape. */
  watchPoolQueue(waitingCount: () => number): void {
    new Gauge({
      name: 'parley_db_pool_waiting',
      help: 'Statements waiting for a pooled PostgreSQL connection at scrape time',
      registers: [this.registry],
      collect() {
        this.set(waitingCount());
      },
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
