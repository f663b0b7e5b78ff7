import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import {
  MAX_MENTIONS,
  MAX_REACTIONS_PER_MESSAGE,
  type DeleteMessageInput,
  type EditMessageInput,
  type Message,
  type MessageHistoryInput,
  type MessagePage,
  type ReactInput,
  type ReadResult,
  type SendMessageInput,
  type SyncedConversation,
  type SyncInput,
} from '@parley/protocol';
import {
  ConversationNotFoundError,
  ForbiddenError,
  MessageNotFoundError,
  ValidationError,
} from '../../common/errors.js';
import { LOGGER } from '../../common/logger.js';
import { isUniqueViolation } from '../../database/postgres-errors.js';
import {
  CHANGE_RATE_LIMITER,
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
import {
  MessagesRepository,
  type MessageChange,
  type SyncCursor,
  type WatermarkChange,
  type WatermarkTarget,
} from './messages.repository.js';
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
    @Inject(CHANGE_RATE_LIMITER) private readonly changeRateLimiter: RateLimiter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Stores a message and, once committed, broadcasts it to the conversation. Sending the same
   * `clientMsgId` again returns the stored message (whatever the new content) and broadcasts
   * nothing. The rate limit is the sender's own; the write goes with the node's other sends of
   * the moment, in one commit (`SendBatcher`).
   */
  async send(auth: AuthContext, input: SendMessageInput): Promise<Message> {
    await consumeOrRefuse(this.sendRateLimiter, auth.userId);
    let references: { replyToSeq?: number; mentions: string[] };
    try {
      references = await this.checkReferences(auth, input);
    } catch (error) {
      // A resend of a stored message is answered with it, even if its mentions or reply no
      // longer hold (a mentioned member left since) or the sender left: as a resend without
      // them is by the send statement.
      if (!(error instanceof ValidationError || error instanceof ConversationNotFoundError)) {
        throw error;
      }
      const stored = await this.messagesRepository.findByClientMsgId(
        auth.userId,
        input.clientMsgId,
      );
      if (stored?.conversationId !== input.conversationId) throw error;
      return stored;
    }
    const outcome = await this.storeOnce(auth, { ...input, ...references });
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

  /**
   * Replaces the text and mentions of the caller's own message; the new state goes to the
   * conversation as `message:updated`. The same text and mentions again change nothing.
   * Membership, the sender and the mentions are checked by the edit statement itself (the access
   * module's rules): one round trip. A member mentioned or unmentioned by the edit who has not
   * read the message has a new mention count: they are told.
   */
  async edit(auth: AuthContext, input: EditMessageInput): Promise<Message> {
    await consumeOrRefuse(this.changeRateLimiter, auth.userId);
    const mentions = withoutSelf(auth, input.mentions);
    if (mentions.length > MAX_MENTIONS) {
      throw new ValidationError(`mentions: at most ${MAX_MENTIONS} members`);
    }
    const outcome = await this.messagesRepository.edit({
      conversationId: input.conversationId,
      seq: input.seq,
      editorId: auth.userId,
      content: input.content,
      mentions,
    });
    const edited = this.settle(outcome);
    if (edited.previous) {
      const before = new Set(edited.previous.mentions);
      const after = new Set(edited.message.mentions);
      const moved = [
        ...[...after].filter((userId) => !before.has(userId)),
        ...[...before].filter((userId) => !after.has(userId)),
      ];
      if (moved.length > 0) await this.announceUnread(edited.message, new Set(moved));
    }
    return edited.message;
  }

  /**
   * Turns a message into its tombstone (the sender, or a group's owner or admin). `changed` is
   * false when it was one already: nothing was written or sent. `previous` is the message as it
   * was, for whoever reacts to what a delete took away (unread and mention counts).
   */
  async delete(
    auth: AuthContext,
    input: DeleteMessageInput,
  ): Promise<{ message: Message; changed: boolean; previous?: Message }> {
    await consumeOrRefuse(this.changeRateLimiter, auth.userId);
    const outcome = await this.messagesRepository.delete({
      conversationId: input.conversationId,
      seq: input.seq,
      userId: auth.userId,
    });
    const deleted = this.settle(outcome);
    if (deleted.changed) await this.announceUnread(deleted.message);
    return deleted;
  }

  /** Puts the caller's reaction on a message or takes it back (membership checked by its statement). */
  async react(auth: AuthContext, input: ReactInput): Promise<Message> {
    await consumeOrRefuse(this.changeRateLimiter, auth.userId);
    const outcome = await this.messagesRepository.react({
      ...input,
      userId: auth.userId,
      maxEmojis: MAX_REACTIONS_PER_MESSAGE,
    });
    return this.settle(outcome).message;
  }

  /** One message of a conversation of the caller, a deleted one as its tombstone. */
  async message(auth: AuthContext, conversationId: string, seq: number): Promise<Message> {
    await this.access.requireMember(auth, conversationId);
    const message = await this.messagesRepository.findBySeq(conversationId, seq);
    if (!message) throw new MessageNotFoundError();
    return message;
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
    await this.advance(auth, conversationId, { readSeq: 0, deliveredSeq: seq, read: false });
  }

  /** Moves the read watermark; the reader's other sockets (not `originSocketId`) hear of it. */
  async markRead(
    auth: AuthContext,
    conversationId: string,
    seq: number,
    originSocketId?: string,
  ): Promise<ReadResult> {
    await consumeOrRefuse(this.readRateLimiters.markRead, auth.userId);
    const change = await this.advance(auth, conversationId, {
      readSeq: seq,
      deliveredSeq: seq,
      read: true,
    });
    const result = {
      lastReadSeq: change.lastReadSeq,
      ...(change.counts as NonNullable<WatermarkChange['counts']>),
    };
    if (change.lastReadSeq !== change.previousReadSeq) {
      const reader = { userId: auth.userId, exceptSocketId: originSocketId };
      this.publisher.toUser(reader, 'unread:update', { conversationId, ...result });
    }
    return result;
  }

  /**
   * A committed change that moved the counts of members who had not read the message (a delete:
   * all of them; an edit: the ones it mentioned or unmentioned, `onlyUserIds`): each gets its
   * exact counts now on their own `user:{id}` room, all of them read in one statement. The
   * change is committed and broadcast: if the counts cannot be read, its caller still gets its
   * answer, and the members get their counts with their next read or sync.
   */
  private async announceUnread(changed: Message, onlyUserIds?: Set<string>): Promise<void> {
    const { conversationId, seq, senderId } = changed;
    try {
      const members = await this.unreadRepository.afterDelete(conversationId, seq, senderId);
      for (const { userId, ...counts } of members) {
        if (onlyUserIds && !onlyUserIds.has(userId)) continue;
        this.publisher.toUser({ userId }, 'unread:update', { conversationId, ...counts });
      }
    } catch (error) {
      this.logger.warn(
        { err: error, conversationId, seq },
        'unread counts after a message change not announced',
      );
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
    const cursorByConversation = new Map<string, SyncCursor>();
    for (const cursor of input.cursors) {
      const known = cursorByConversation.get(cursor.conversationId);
      // A conversation listed twice: the lower cursors, so nothing is skipped.
      cursorByConversation.set(cursor.conversationId, known ? lowerCursor(known, cursor) : cursor);
    }
    const cursors = [...cursorByConversation.values()];
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
      if (row.updated) {
        if (synced.updated.length === input.limit) synced.hasMoreUpdated = true;
        else synced.updated.push(row.message);
      } else if (synced.messages.length === input.limit) synced.hasMore = true;
      else synced.messages.push(row.message);
    }
    const removed = cursors
      .map((cursor) => cursor.conversationId)
      .filter((conversationId) => !byConversation.has(conversationId));
    return { conversations: [...byConversation.values()], removed };
  }

  /**
   * The reply and mentions of a send, checked: the reply is to a seq the conversation has (seqs
   * only grow, so a last seq read before the send bounds it), the mentions are members. Without
   * either nothing is read: a plain send costs what it did.
   */
  private async checkReferences(
    auth: AuthContext,
    input: SendMessageInput,
  ): Promise<{ replyToSeq?: number; mentions: string[] }> {
    const mentions = withoutSelf(auth, input.mentions);
    if (input.replyToSeq === undefined && mentions.length === 0) return { mentions };
    const membership = await this.access.requireMember(auth, input.conversationId);
    if (input.replyToSeq !== undefined && input.replyToSeq > membership.lastSeq) {
      throw new ValidationError('replyToSeq must be the seq of an earlier message');
    }
    if (mentions.length > MAX_MENTIONS) {
      throw new ValidationError(`mentions: at most ${MAX_MENTIONS} members`);
    }
    await this.access.requireMembers(input.conversationId, mentions);
    return { replyToSeq: input.replyToSeq, mentions };
  }

  /** A change's answer: its message, sent to the conversation when it changed; else its error. */
  private settle(outcome: MessageChange): {
    message: Message;
    changed: boolean;
    previous?: Message;
  } {
    switch (outcome.kind) {
      case 'not_member':
        throw new ConversationNotFoundError();
      case 'not_found':
        throw new MessageNotFoundError();
      case 'forbidden':
        throw new ForbiddenError('only the sender, or for a delete a group owner or admin');
      case 'deleted':
        throw new ValidationError('a deleted message cannot be edited or reacted to');
      case 'bad_mentions':
        throw new ValidationError('mentions must be members of the conversation');
      case 'too_many_reactions':
        throw new ValidationError(
          `a message has at most ${MAX_REACTIONS_PER_MESSAGE} different reactions`,
        );
      case 'unchanged':
        return { message: outcome.message, changed: false };
      case 'changed':
        this.publisher.toConversation(
          outcome.message.conversationId,
          'message:updated',
          outcome.message,
        );
        return { message: outcome.message, changed: true, previous: outcome.previous };
    }
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
    target: Omit<WatermarkTarget, 'conversationId' | 'userId'>,
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

/** A message's mentions never include its sender. */
const withoutSelf = (auth: AuthContext, mentions: string[] = []): string[] =>
  mentions.filter((userId) => userId !== auth.userId);

/** The cursor that skips nothing of either: the lower seq, the lower rev (none: no rev). */
function lowerCursor(one: SyncCursor, other: SyncCursor): SyncCursor {
  const revs = [one.rev, other.rev].filter((rev) => rev !== undefined);
  return {
    conversationId: one.conversationId,
    seq: Math.min(one.seq, other.seq),
    rev: revs.length === 0 ? undefined : Math.min(...revs),
  };
}
