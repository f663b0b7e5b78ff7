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
  private readonly batchSize: Histogram;

  constructor(
    private readonly messagesRepository: MessagesRepository,
    config: AppConfig,
    metrics: MetricsService,
  ) {
    this.batchSize = new Histogram({
      name: 'parley_send_batch_size',
      help: 'Sends written to PostgreSQL in one statement and one commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [metrics.registry],
    });
    this.batcher = new CommitBatcher({
      write: (sends) => this.write(sends),
      // A duplicate sent concurrently through another batch or node, or a lock cycle with
      // another batch: written alone, each send gets its own answer.
      isItemError: (error) =>
        isUniqueViolation(error, 'messages_sender_client_msg_key') || isDeadlock(error),
      maxBatch: config.sendBatchMax,
      maxInFlight: config.sendBatchesInFlight,
    });
  }

  send(message: NewMessage): Promise<SendOutcome> {
    return this.batcher.submit(message);
  }

  /** After the gateway has answered its sockets' last events, before the pool closes. */
  beforeApplicationShutdown(): Promise<void> {
    return this.batcher.drained();
  }

  /**
   * One statement for the batch. A (sender, clientMsgId) repeated in it is written once: the
   * repeat gets the first one's message as a duplicate, as if it had come just after it. Only a
   * repeat the first one cannot answer (refused there, sent to another conversation) is written
   * in a next round.
   */
  private async write(sends: NewMessage[]): Promise<SendOutcome[]> {
    this.batchSize.observe(sends.length);
    const outcomes = new Array<SendOutcome | undefined>(sends.length);
    let waiting = sends.map((_, index) => index);
    while (waiting.length > 0) {
      const firstByKey = new Map<string, number>();
      const repeats: number[] = [];
      for (const index of waiting) {
        const key = idempotencyKey(sends[index]!);
        if (firstByKey.has(key)) repeats.push(index);
        else firstByKey.set(key, index);
      }
      const written = [...firstByKey.values()];
      const writtenOutcomes = await this.messagesRepository.send(
        written.map((index) => sends[index]!),
      );
      written.forEach((index, position) => (outcomes[index] = writtenOutcomes[position]));
      waiting = [];
      for (const index of repeats) {
        const send = sends[index]!;
        const firstIndex = firstByKey.get(idempotencyKey(send))!;
        const first = outcomes[firstIndex]!;
        if (first.kind !== 'not_member') {
          outcomes[index] = { kind: 'duplicate', message: first.message };
        } else if (sends[firstIndex]!.conversationId === send.conversationId) {
          outcomes[index] = first;
        } else {
          waiting.push(index);
        }
      }
    }
    return outcomes as SendOutcome[];
  }
}

const idempotencyKey = (send: NewMessage) => `${send.senderId}/${send.clientMsgId}`;
