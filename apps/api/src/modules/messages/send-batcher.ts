import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { AppConfig } from '../../config/app-config.js';
import { CommitBatcher } from '../../database/commit-batcher.js';
import { isDeadlock, isUniqueViolation } from '../../database/postgres-errors.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MessagesRepository, type NewMessage, type SendOutcome } from './messages.repository.js';

/**
 * Group commit of this node's sends: the sends that arrive while earlier ones are being written
 * go to PostgreSQL together, in one statement and one commit, each with its own outcome
 * (`CommitBatcher`). A send resolves once its batch has committed.
 */
@Injectable()
export class SendBatcher implements BeforeApplicationShutdown {
  private readonly batcher: CommitBatcher<NewMessage, SendOutcome>;
  private readonly sending = new Map<string, Promise<SendOutcome>>();

  constructor(messagesRepository: MessagesRepository, config: AppConfig, metrics: MetricsService) {
    const batchSize = new Histogram({
      name: 'parley_send_batch_size',
      help: 'Sends written to PostgreSQL in one statement and one commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [metrics.registry],
    });
    this.batcher = new CommitBatcher({
      write: (sends) => {
        batchSize.observe(sends.length);
        return messagesRepository.send(sends);
      },
      // A duplicate sent concurrently through another batch or node, or a lock cycle with
      // another batch: written alone, each send gets its own answer.
      isItemError: (error) =>
        isUniqueViolation(error, 'messages_sender_client_msg_key') || isDeadlock(error),
      maxBatch: config.sendBatchMax,
      maxInFlight: config.sendBatchesInFlight,
    });
  }

  /**
   * A (sender, clientMsgId) already on its way through this node (a client resending before
   * its ack came) waits for that send and is answered with its message: it never reaches a
   * batch beside it, where its unique key would fail the whole batch.
   */
  async send(message: NewMessage): Promise<SendOutcome> {
    const key = idempotencyKey(message);
    const earlier = this.sending.get(key);
    if (earlier) {
      // Refused or failed, it stored nothing: this one is written for itself.
      const outcome = await earlier.catch(() => undefined);
      if (outcome && outcome.kind !== 'not_member') {
        return { kind: 'duplicate', message: outcome.message };
      }
    }
    const sending = this.batcher.submit(message);
    this.sending.set(key, sending);
    try {
      return await sending;
    } finally {
      if (this.sending.get(key) === sending) this.sending.delete(key);
    }
  }

  /** After the gateway has answered its sockets' last events, before the pool closes. */
  beforeApplicationShutdown(): Promise<void> {
    return this.batcher.drained();
  }
}

const idempotencyKey = (send: NewMessage) => `${send.senderId}/${send.clientMsgId}`;
