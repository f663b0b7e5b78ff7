import { Inject, Injectable } from '@nestjs/common';
import { uuidv7 } from 'uuidv7';
import {
  type Message,
  type MessageHistoryInput,
  type MessagePage,
  type ReadResult,
  type SendMessageInput,
  type SyncedConversation,
  type SyncInput,
} from '@parley/protocol';
import { ConversationNotFoundError } from '../../common/errors.js';
import { isUniqueViolation } from '../../database/postgres-errors.js';
import {
  READ_RATE_LIMITERS,
  SEND_RATE_LIMITER,
  type ReadRateLimiters,
} from '../../rate-limit/rate-limit.module.js';
import { consumeOrRefuse, type RateLimiter } from '../../rate-limit/token-bucket.js';
import { RealtimePublisher } from '../../realtime/realtime-publisher.js';
import { Access } from '../access/access.js';
import type { AuthContext } from '../auth/current-auth.decorator.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { PresenceAudience } from '../privacy/presence-audience.js';
import { MessagesRepository, type WatermarkChange } from './messages.repository.js';
import { SendBatcher } from './send-batcher.js';
import { UnreadRepository } from './unread.repository.js';
import { WatermarkBatcher } from './watermark-batcher.js';

@Injectable()
export class MessagesService {
  constructor(
    private readonly messagesRepository: MessagesRepository,
    private readonly sendBatcher: SendBatcher,
    private readonly watermarkBatcher: WatermarkBatcher,
    private readonly unreadRepository: UnreadRepository,
    private readonly access: Access,
    private readonly conversationsService: ConversationsService,
    private readonly publisher: RealtimePublisher,
    private readonly presenceAudience: PresenceAudience,
    @Inject(SEND_RATE_LIMITER) private readonly sendRateLimiter: RateLimiter,
    @Inject(READ_RATE_LIMITERS) private readonly readRateLimiters: ReadRateLimiters,
  ) {}

  /**
   * Stores a message and, once committed, broadcasts it to the conversation. Sending the same
   * `clientMsgId` again returns the stored message (whatever the new content) and broadcasts
   * nothing. The rate limit is the sender's own; the write goes with the node's other sends of
   * the moment, in one commit (`SendBatcher`).
   */
  async send(auth: AuthContext, input: SendMessageInput): Promise<Message> {
    await consumeOrRefuse(this.sendRateLimiter, auth.userId);
    const outcome = await this.storeOnce(auth, input);
    if (outcome.kind === 'not_member') throw new ConversationNotFoundError();
    if (outcome.kind === 'created') {
      this.publisher.toConversation(input.conversationId, 'message:new', outcome.message);
    }
    if (outcome.acceptedRequest) {
      await this.conversationsService.requestAccepted(
        auth,
        input.conversationId,
        outcome.acceptedRequest,
      );
    } else if (outcome.firstSend) {
      await this.presenceAudience.contactGained(auth.userId, input.conversationId);
    }
    return outcome.message;
  }

  async history(
    auth: AuthContext,
    conversationId: string,
    query: MessageHistoryInput,
  ): Promise<MessagePage> {
    await this.access.requireMember(auth, conversationId);
    // One extra row tells whether there is more in the paging direction.
    const rows = await this.messagesRepository.page(conversationId, query, query.limit + 1);
    const hasMore = rows.length > query.limit;
    const messages = !hasMore
      ? rows
      : query.after !== undefined
        ? rows.slice(0, -1)
        : rows.slice(1);
    return { messages, hasMore };
  }

  async markDelivered(auth: AuthContext, conversationId: string, seq: number): Promise<void> {
    await consumeOrRefuse(this.readRateLimiters.markDelivered, auth.userId);
    await this.advance(auth, conversationId, { readSeq: 0, deliveredSeq: seq });
  }

  /** Moves the read watermark; the reader's other sockets (not `originSocketId`) hear of it. */
  async markRead(
    auth: AuthContext,
    conversationId: string,
    seq: number,
    originSocketId?: string,
  ): Promise<ReadResult> {
    await consumeOrRefuse(this.readRateLimiters.markRead, auth.userId);
    const change = await this.advance(auth, conversationId, { readSeq: seq, deliveredSeq: seq });
    const result = {
      lastReadSeq: change.lastReadSeq,
      unreadCount: change.unreadCount,
      mentionCount: change.mentionCount,
    };
    if (change.lastReadSeq !== change.previousReadSeq) {
      const reader = { userId: auth.userId, exceptSocketId: originSocketId };
      this.publisher.toUser(reader, 'unread:update', { conversationId, ...result });
    }
    return result;
  }

  /**
   * A delete that changed something (committed) takes the message out of the counts of every
   * member who had not read it: each gets its exact counts now on their own `user:{id}` room,
   * all of them read in one statement.
   */
  async announceUnreadAfterDelete(tombstone: Message): Promise<void> {
    const { conversationId, seq, senderId } = tombstone;
    const members = await this.unreadRepository.afterDelete(conversationId, seq, senderId);
    for (const { userId, ...counts } of members) {
      this.publisher.toUser({ userId }, 'unread:update', { conversationId, ...counts });
    }
  }

  /**
   * Everything after each cursor, oldest first, for every conversation of the user;
   * conversations the client did not list come with their latest messages, and listed ones the
   * user no longer belongs to come back as `removed`.
   */
  async sync(
    auth: AuthContext,
    input: SyncInput,
  ): Promise<{ conversations: SyncedConversation[]; removed: string[] }> {
    const cursorByConversation = new Map<string, number>();
    for (const cursor of input.cursors) {
      const known = cursorByConversation.get(cursor.conversationId);
      // A conversation listed twice: the lower cursor, so nothing is skipped.
      cursorByConversation.set(cursor.conversationId, Math.min(known ?? cursor.seq, cursor.seq));
    }
    const cursors = [...cursorByConversation].map(([conversationId, seq]) => ({
      conversationId,
      seq,
    }));
    const rows = await this.messagesRepository.messagesSince(auth.userId, cursors, input.limit);

    const byConversation = new Map<string, SyncedConversation>();
    for (const row of rows) {
      let synced = byConversation.get(row.conversationId);
      if (!synced) {
        synced = {
          conversationId: row.conversationId,
          messages: [],
          hasMore: false,
          updated: [],
          hasMoreUpdated: false,
        };
        byConversation.set(row.conversationId, synced);
      }
      if (!row.message) continue;
      if (synced.messages.length === input.limit) synced.hasMore = true;
      else synced.messages.push(row.message);
    }
    const removed = cursors
      .map((cursor) => cursor.conversationId)
      .filter((conversationId) => !byConversation.has(conversationId));
    return { conversations: [...byConversation.values()], removed };
  }

  private async storeOnce(auth: AuthContext, input: SendMessageInput) {
    const senderId = auth.userId;
    try {
      return await this.sendBatcher.send({ id: uuidv7(), senderId, ...input });
    } catch (error) {
      // A concurrent send with the same clientMsgId (from another batch or node) won the race:
      // answer with its message.
      if (!isUniqueViolation(error, 'messages_sender_client_msg_key')) throw error;
      const message = await this.messagesRepository.findByClientMsgId(senderId, input.clientMsgId);
      if (!message) throw error;
      return { kind: 'duplicate' as const, message };
    }
  }

  private async advance(
    auth: AuthContext,
    conversationId: string,
    target: { readSeq: number; deliveredSeq: number },
  ): Promise<WatermarkChange> {
    const userId = auth.userId;
    const change = await this.watermarkBatcher.advance({ conversationId, userId, ...target });
    if (!change) throw new ConversationNotFoundError();
    const moved =
      change.lastReadSeq !== change.previousReadSeq ||
      change.lastDeliveredSeq !== change.previousDeliveredSeq;
    // The opener of a message request gets no receipts from its receiver until they accept.
    if (moved && !change.request) {
      this.publisher.receiptUpdate({
        conversationId,
        userId,
        deliveredSeq: change.lastDeliveredSeq,
        readSeq: change.lastReadSeq,
      });
    }
    return change;
  }
}
