import { Inject, Injectable } from '@nestjs/common';
import {
  type AddMemberBody,
  type Conversation,
  type ConversationPage,
  type CreateConversationBody,
  type MemberRole,
} from '@parley/protocol';
import {
  ConflictError,
  ForbiddenError,
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
import { PrivacyService } from '../privacy/privacy.service.js';
import { asSeenBy, sharedView, toConversation } from './conversation-view.js';
import {
  ConversationsRepository,
  type AcceptedRequest,
  type ConversationCursor,
  type Membership,
} from './conversations.repository.js';

const CONVERSATION_NOT_FOUND = 'conversation not found';
const MANAGERS: ReadonlySet<MemberRole> = new Set(['owner', 'admin']);

export type CreateConversationInput =
  { type: 'direct'; memberId: string } | { type: 'group'; name: string; memberIds: string[] };

// JavaScript dates reach years ±275760, PostgreSQL's timestamptz 4713 BC to 294276 AD, and
// toISOString() writes years past 9999 as `+YYYYYY`, which PostgreSQL cannot read.
const EARLIEST_CURSOR_TIME = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_CURSOR_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** Cursor text: `<updatedAt ISO>` or `<updatedAt ISO>|<id>` (what `nextCursor` returns). */
function parseCursor(text: string | undefined): ConversationCursor | undefined {
  if (text === undefined) return undefined;
  const [updatedAt = '', id] = text.split('|');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const time = Date.parse(updatedAt);
  const inRange = time >= EARLIEST_CURSOR_TIME && time <= LATEST_CURSOR_TIME;
  if (!inRange || (id !== undefined && !uuid.test(id))) {
    throw new ValidationError('before: not a cursor returned as nextCursor');
  }
  return { updatedAt: new Date(updatedAt).toISOString(), id };
}

@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversationsRepository: ConversationsRepository,
    private readonly publisher: RealtimePublisher,
    private readonly config: AppConfig,
    @Inject(CONVERSATION_CREATE_RATE_LIMITER) private readonly createRateLimiter: RateLimiter,
    @Inject(GROUP_CHANGE_RATE_LIMITER) private readonly groupChangeRateLimiter: RateLimiter,
    private readonly presenceNotifier: PresenceNotifier,
    private readonly privacyService: PrivacyService,
  ) {}

  /** The caller's membership; a non-member is told the conversation does not exist. */
  async requireMembership(conversationId: string, userId: string): Promise<Membership> {
    const membership = await this.conversationsRepository.findMembership(conversationId, userId);
    if (!membership) throw new NotFoundError(CONVERSATION_NOT_FOUND);
    return membership;
  }

  async list(
    viewerId: string,
    query: { limit: number; before?: string; requests: boolean },
  ): Promise<ConversationPage> {
    const rows = await this.conversationsRepository.listViews(viewerId, query.limit + 1, {
      before: parseCursor(query.before),
      requests: query.requests,
    });
    const page = rows.slice(0, query.limit).map(toConversation);
    const last = page.at(-1);
    return {
      conversations: page,
      nextCursor: rows.length > query.limit && last ? `${last.updatedAt}|${last.id}` : null,
    };
  }

  async get(conversationId: string, viewerId: string): Promise<Conversation> {
    const row = await this.conversationsRepository.findView(conversationId, viewerId);
    if (!row) throw new NotFoundError(CONVERSATION_NOT_FOUND);
    return toConversation(row);
  }

  async create(
    creatorId: string,
    input: CreateConversationBody & CreateConversationInput,
  ): Promise<{ conversation: Conversation; created: boolean }> {
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
      else if (created) await this.announceNewConversation(await this.get(id, creatorId));
      // Opening a direct conversation with the one who requested it accepts their request.
      else await this.acceptRequestOf(id, creatorId, { includeDeclined: true });
      return { conversation: await this.get(id, creatorId), created };
    }
    const memberIds = [...new Set(input.memberIds)].filter((id) => id !== creatorId);
    if (memberIds.length + 1 > this.config.maxGroupMembers) {
      throw new ValidationError(
        `memberIds: a group has at most ${this.config.maxGroupMembers} members, its creator included`,
      );
    }
    await this.requireUsersExist(memberIds);
    await this.privacyService.requireMayAddToGroups(creatorId, memberIds);
    const id = await this.conversationsRepository.createGroup(creatorId, input.name, memberIds);
    const conversation = await this.get(id, creatorId);
    await this.announceNewConversation(conversation);
    return { conversation, created: true };
  }

  async rename(conversationId: string, callerId: string, name: string): Promise<Conversation> {
    await consumeOrRefuse(this.groupChangeRateLimiter, callerId);
    await this.requireGroupManager(conversationId, callerId);
    await this.conversationsRepository.rename(conversationId, name);
    const conversation = await this.get(conversationId, callerId);
    this.publisher.toConversation(conversationId, 'conversation:updated', sharedView(conversation));
    return conversation;
  }

  async addMember(
    conversationId: string,
    callerId: string,
    input: AddMemberBody & { role: 'admin' | 'member' },
  ): Promise<Conversation> {
    await consumeOrRefuse(this.groupChangeRateLimiter, callerId);
    await this.requireGroupManager(conversationId, callerId);
    await this.requireUsersExist([input.userId]);
    await this.privacyService.requireMayAddToGroups(callerId, [input.userId]);
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
    const conversation = await this.get(conversationId, callerId);
    await this.announceNewMember(conversation, input.userId);
    return conversation;
  }

  /** Owner/admin removes a member; anyone removes themselves (leaves). */
  async removeMember(conversationId: string, callerId: string, userId: string): Promise<void> {
    await consumeOrRefuse(this.groupChangeRateLimiter, callerId);
    const caller = await this.requireMembership(conversationId, callerId);
    if (caller.type === 'direct') {
      throw new ForbiddenError('members of a direct conversation cannot be removed');
    }
    if (userId !== callerId) {
      if (!MANAGERS.has(caller.role))
        throw new ForbiddenError('only an owner or admin can remove members');
      const target = await this.conversationsRepository.findMembership(conversationId, userId);
      if (!target) throw new NotFoundError('user is not a member');
      if (caller.role === 'admin' && MANAGERS.has(target.role)) {
        throw new ForbiddenError('an admin cannot remove an owner or another admin');
      }
    }
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
  async acceptRequest(conversationId: string, callerId: string): Promise<Conversation> {
    await this.requireMembership(conversationId, callerId);
    await this.acceptRequestOf(conversationId, callerId, { includeDeclined: false });
    return this.get(conversationId, callerId);
  }

  /** Hides a message request from the caller for good; its opener is not told. */
  async declineRequest(conversationId: string, callerId: string): Promise<void> {
    const membership = await this.requireMembership(conversationId, callerId);
    if (!membership.request) throw new ConflictError('conversation is not a message request');
    if (!(await this.conversationsRepository.declineRequest(conversationId, callerId))) {
      throw new NotFoundError(CONVERSATION_NOT_FOUND);
    }
    this.publisher.leaveConversation(callerId, conversationId);
    this.publisher.toUser({ userId: callerId }, 'conversation:removed', { conversationId });
  }

  /**
   * A message request became a conversation (its receiver accepted it or sent in it): the
   * receiver joins the conversation's room, the opener gets the receipts held back, and the two
   * learn each other's presence where their settings allow it.
   */
  async requestAccepted(
    conversationId: string,
    receiverId: string,
    watermarks: AcceptedRequest,
  ): Promise<void> {
    this.publisher.acceptRequest(receiverId, conversationId);
    if (watermarks.lastDeliveredSeq > 0) {
      this.publisher.toConversation(conversationId, 'receipt:update', {
        conversationId,
        userId: receiverId,
        deliveredSeq: watermarks.lastDeliveredSeq,
        readSeq: watermarks.lastReadSeq,
      });
    }
    const { members } = await this.get(conversationId, receiverId);
    for (const { userId } of members) {
      const row = await this.conversationsRepository.findView(conversationId, userId);
      if (row) this.publisher.toUser({ userId }, 'conversation:updated', toConversation(row));
    }
    const memberIds = members.map((member) => member.userId);
    await this.presenceNotifier.introduceMembers(conversationId, memberIds, memberIds);
  }

  private async acceptRequestOf(
    conversationId: string,
    userId: string,
    options: { includeDeclined: boolean },
  ): Promise<void> {
    const accepted = await this.conversationsRepository.acceptRequest(
      conversationId,
      userId,
      options,
    );
    if (accepted) await this.requestAccepted(conversationId, userId, accepted);
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

  private async requireGroupManager(conversationId: string, callerId: string): Promise<void> {
    const membership = await this.requireMembership(conversationId, callerId);
    if (membership.type !== 'group') throw new ForbiddenError('only groups can be changed');
    if (!MANAGERS.has(membership.role))
      throw new ForbiddenError('only an owner or admin can do this');
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
    const newcomer = conversation.members.find((member) => member.userId === userId);
    this.publisher.joinConversation([userId], conversation.id);
    this.publisher.toUser(
      { userId },
      'conversation:updated',
      asSeenBy(conversation, newcomer?.lastReadSeq ?? conversation.lastSeq),
    );
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
