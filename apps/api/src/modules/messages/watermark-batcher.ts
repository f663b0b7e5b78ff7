import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { CommitBatcher } from '../../database/commit-batcher.js';
import { isDeadlock } from '../../database/postgres-errors.js';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  MessagesRepository,
  type WatermarkChange,
  type WatermarkTarget,
} from './messages.repository.js';

// Receipts are small rows: a batch of 200 is one short statement, and above it a busy node's
// receipts are better split over the two batches in flight than queued behind one.
const MAX_BATCH = 200;
// Two batches write at once, so a batch is filling while the other commits; more would only
// lock member rows against each other.
const MAX_IN_FLIGHT = 2;

/**
 * Group commit for the delivered/read watermarks of this node: the receipts that arrive while
 * earlier ones are being written go to PostgreSQL together, one statement and one commit.
 */
@Injectable()
export class WatermarkBatcher implements BeforeApplicationShutdown {
  private readonly batcher: CommitBatcher<WatermarkTarget, WatermarkChange | undefined>;

  constructor(messagesRepository: MessagesRepository, metricsService: MetricsService) {
    const batchSize = new Histogram({
      name: 'parley_watermark_batch_size',
      help: 'Receipts (delivered/read watermark moves) written in one statement and commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers: [metricsService.registry],
    });
    this.batcher = new CommitBatcher({
      write: (targets) => {
        batchSize.observe(targets.length);
        return messagesRepository.advanceWatermarks(targets);
      },
      // A deadlock fails the whole batch: each receipt is tried again alone.
      isItemError: isDeadlock,
      maxBatch: MAX_BATCH,
      maxInFlight: MAX_IN_FLIGHT,
    });
  }

  /** The member's watermarks after the move; undefined when the user is not a member. */
  advance(target: WatermarkTarget): Promise<WatermarkChange | undefined> {
    return this.batcher.submit(target);
  }

  /** The database closes on application shutdown: every accepted receipt is written first. */
  beforeApplicationShutdown(): Promise<void> {
    return this.batcher.drained();
  }
}
