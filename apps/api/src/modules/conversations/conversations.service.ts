import { Inject, Injectable } from '@nestjs/common';
import {
  type AddMemberInput,
  type Conversation,
  type ConversationListInput,
  type ConversationPage,
  type CreateConversationInput,
} from '@parley/protocol';
import {
  ConflictError,
  ConversationNotFoundError,
  NotFoundError,
  ValidationError,
} from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';
import {
  CONVERSATION_CREATE_RATE_LIMITER,
  GROUP_CHANGE_RATE_LIMITER,
} from '../../rate-limit/rate-limit.module.js';
import { consumeOrRefuse, type RateLimiter } from '../../rate-limit/token-bucket.js';
import { PresenceNotifier } from '../../realtime/presence-notifier.js';
import { RealtimePublisher } from '../../realtime/realtime-publisher.js';
import { Access } from '../access/access.js';
import type { AuthContext } from '../auth/current-auth.decorator.js';
import { PrivacyService } from '../privacy/privacy.service.js';
import { sharedView, toConversation } from './conversation-view.js';
import { ConversationsRepository, type AcceptedRequest } from './conversations.repository.js';

@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversationsRepository: ConversationsRepository,
    private readonly access: Access,
    private readonly publisher: RealtimePublisher,
    private readonly config: AppConfig,
    @Inject(CONVERSATION_CREATE_RATE_LIMITER) private readonly createRateLimiter: RateLimiter,
    @Inject(GROUP_CHANGE_RATE_LIMITER) private readonly groupChangeRateLimiter: RateLimiter,
    private readonly presenceNotifier: PresenceNotifier,
    private readonly privacyService: PrivacyService,
  ) {}

  async list(auth: AuthContext, query: ConversationListInput): Promise<ConversationPage> {
    const rows = await this.conversationsRepository.listViews(auth.userId, query.limit + 1, {
      before: query.before,
      requests: query.requests,
    });
    const page = rows.slice(0, query.limit).map(toConversation);
    const last = page.at(-1);
    return {
      conversations: page,
      nextCursor: rows.length > query.limit && last ? `${last.updatedAt}|${last.id}` : null,
    };
  }

  /** The conversation as the caller sees it; the view query itself shows members only. */
  async get(auth: AuthContext, conversationId: string): Promise<Conversation> {
    const row = await this.conversationsRepository.findView(conversationId, auth.userId);
    if (!row) throw new ConversationNotFoundError();
    return toConversation(row);
  }

  async create(
    auth: AuthContext,
    input: CreateConversationInput,
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const creatorId = auth.userId;
    await consumeOrRefuse(this.createRateLimiter, creatorId);
    if (input.type === 'direct') {
      if (input.memberId === creatorId) {
        throw new ValidationError('memberId: a direct conversation needs another person');
      }
      await this.requireUsersExist([input.memberId]);
      const { id, created, request } = await this.conversationsRepository.findOrCreateDirect(
        creatorId,
        input.memberId,
      );
      if (request) await this.announceRequest(id, creatorId, input.memberId);
      else if (created) await this.announceNewConversation(await this.get(auth, id));
      // Opening a direct conversation with the one who requested it accepts their request.
      else await this.acceptRequestOf(auth, id, { includeDeclined: true });
      return { conversation: await this.get(auth, id), created };
    }
    const memberIds = [...new Set(input.memberIds)].filter((id) => id !== creatorId);
    if (memberIds.length + 1 > this.config.maxGroupMembers) {
      throw new ValidationError(
        `memberIds: a group has at most ${this.config.maxGroupMembers} members, its creator included`,
      );
    }
    await this.requireUsersExist(memberIds);
    await this.privacyService.requireMayAddToGroups(auth, memberIds);
    const id = await this.conversationsRepository.createGroup(creatorId, input.name, memberIds);
    const conversation = await this.get(auth, id);
    await this.announceNewConversation(conversation);
    return { conversation, created: true };
  }

  async rename(auth: AuthContext, conversationId: string, name: string): Promise<Conversation> {
    await consumeOrRefuse(this.groupChangeRateLimiter, auth.userId);
    await this.access.requireGroupManager(auth, conversationId);
    await this.conversationsRepository.rename(conversationId, name);
    const conversation = await this.get(auth, conversationId);
    this.publisher.toConversation(conversationId, 'conversation:updated', sharedView(conversation));
    return conversation;
  }

  async addMember(
    auth: AuthContext,
    conversationId: string,
    input: AddMemberInput,
  ): Promise<Conversation> {
    await consumeOrRefuse(this.groupChangeRateLimiter, auth.userId);
    await this.access.requireGroupManager(auth, conversationId);
    await this.requireUsersExist([input.userId]);
    await this.privacyService.requireMayAddToGroups(auth, [input.userId]);
    const outcome = await this.conversationsRepository.addMember(
      conversationId,
      input.userId,
      input.role,
      this.config.maxGroupMembers,
    );
    if (outcome === 'member') throw new ConflictError('user is already a member');
    if (outcome === 'full') {
      throw new ConflictError(
        `the group is full: it has ${this.config.maxGroupMembers} members already`,
      );
    }
    const conversation = await this.get(auth, conversationId);
    await this.announceNewMember(conversation, input.userId);
    return conversation;
  }

  /** Owner/admin removes a member; anyone removes themselves (leaves). */
  async removeMember(auth: AuthContext, conversationId: string, userId: string): Promise<void> {
    await consumeOrRefuse(this.groupChangeRateLimiter, auth.userId);
    await this.access.requireMayRemoveMember(auth, conversationId, userId);
    await this.conversationsRepository.removeMember(conversationId, userId);
    this.publisher.leaveConversation(userId, conversationId);
    this.publisher.toUser({ userId }, 'conversation:removed', { conversationId });
    const remaining = await this.conversationsRepository.findViewOfAnyMember(conversationId);
    if (!remaining) return;
    // Left out explicitly: the room may still hold the removed user's sockets on other nodes.
    this.publisher.toConversationExcept(
      conversationId,
      [userId],
      'conversation:updated',
      sharedView(toConversation(remaining)),
    );
  }

  /** Accepts a message request the caller received; accepting anything else changes nothing. */
  async acceptRequest(auth: AuthContext, conversationId: string): Promise<Conversation> {
    await this.access.requireMember(auth, conversationId);
    await this.acceptRequestOf(auth, conversationId, { includeDeclined: false });
    return this.get(auth, conversationId);
  }

  /** Hides a message request from the caller for good; its opener is not told. */
  async declineRequest(auth: AuthContext, conversationId: string): Promise<void> {
    const membership = await this.access.requireMember(auth, conversationId);
    if (!membership.request) throw new ConflictError('conversation is not a message request');
    if (!(await this.conversationsRepository.declineRequest(conversationId, auth.userId))) {
      throw new ConversationNotFoundError();
    }
    this.publisher.leaveConversation(auth.userId, conversationId);
    this.publisher.toUser({ userId: auth.userId }, 'conversation:removed', { conversationId });
  }

  /**
   * A message request became a conversation (its receiver, the caller, accepted it or sent in
   * it): the receiver joins the conversation's room, the opener gets the receipts held back,
   * and the two learn each other's presence where their settings allow it.
   */
  async requestAccepted(
    auth: AuthContext,
    conversationId: string,
    watermarks: AcceptedRequest,
  ): Promise<void> {
    const receiverId = auth.userId;
    this.publisher.acceptRequest(receiverId, conversationId);
    if (watermarks.lastDeliveredSeq > 0) {
      this.publisher.toConversation(conversationId, 'receipt:update', {
        conversationId,
        userId: receiverId,
        deliveredSeq: watermarks.lastDeliveredSeq,
        readSeq: watermarks.lastReadSeq,
      });
    }
    const { members } = await this.get(auth, conversationId);
    for (const { userId } of members) {
      const row = await this.conversationsRepository.findView(conversationId, userId);
      if (row) this.publisher.toUser({ userId }, 'conversation:updated', toConversation(row));
    }
    const memberIds = members.map((member) => member.userId);
    await this.presenceNotifier.introduceMembers(conversationId, memberIds, memberIds);
  }

  private async acceptRequestOf(
    auth: AuthContext,
    conversationId: string,
    options: { includeDeclined: boolean },
  ): Promise<void> {
    const accepted = await this.conversationsRepository.acceptRequest(
      conversationId,
      auth.userId,
      options,
    );
    if (accepted) await this.requestAccepted(auth, conversationId, accepted);
  }

  /**
   * A new message request: the opener joins the conversation's room, the receiver its request
   * room, each sees the conversation as theirs, and neither learns the other's presence yet.
   */
  private async announceRequest(conversationId: string, openerId: string, receiverId: string) {
    this.publisher.joinConversation([openerId], conversationId);
    this.publisher.joinRequest(receiverId, conversationId);
    for (const userId of [openerId, receiverId]) {
      const row = await this.conversationsRepository.findView(conversationId, userId);
      if (row) this.publisher.toUser({ userId }, 'conversation:updated', toConversation(row));
    }
  }

  private async requireUsersExist(userIds: string[]): Promise<void> {
    const existing = new Set(await this.conversationsRepository.findExistingUserIds(userIds));
    const missing = userIds.filter((id) => !existing.has(id));
    if (missing.length > 0) throw new NotFoundError(`user not found: ${missing.join(', ')}`);
  }

  /**
   * A new conversation looks the same to every member (nothing sent, nothing read yet), so one
   * publish of the whole conversation reaches every member's own room.
   */
  private async announceNewConversation(conversation: Conversation): Promise<void> {
    const memberIds = conversation.members.map((member) => member.userId);
    this.publisher.joinConversation(memberIds, conversation.id);
    this.publisher.toUsers(memberIds, 'conversation:updated', conversation);
    await this.presenceNotifier.introduceMembers(conversation.id, memberIds, memberIds);
  }

  /**
   * The newcomer gets the whole conversation as they see it; everyone else one shared update
   * through the room (contract v2 fan-out rules), keeping their own read state.
   */
  private async announceNewMember(conversation: Conversation, userId: string): Promise<void> {
    this.publisher.joinConversation([userId], conversation.id);
    // The newcomer's own view: their counts are exact only as read with their watermark.
    const newcomerView = await this.conversationsRepository.findView(conversation.id, userId);
    if (newcomerView) {
      this.publisher.toUser({ userId }, 'conversation:updated', toConversation(newcomerView));
    }
    this.publisher.toConversationExcept(
      conversation.id,
      [userId],
      'conversation:updated',
      sharedView(conversation),
    );
    const memberIds = conversation.members.map((member) => member.userId);
    await this.presenceNotifier.introduceMembers(conversation.id, memberIds, [userId]);
  }
}
