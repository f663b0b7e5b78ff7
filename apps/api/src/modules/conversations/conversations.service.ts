import { Injectable } from '@nestjs/common';
import {
  userRoom,
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
import { PresenceService } from '../../realtime/presence.service.js';
import { RealtimePublisher } from '../../realtime/realtime-publisher.js';
import { PresenceAudience } from '../privacy/presence-audience.js';
import { PrivacyService } from '../privacy/privacy.service.js';
import { asSeenBy, toConversation } from './conversation-view.js';
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

/** Cursor text: `<updatedAt ISO>` or `<updatedAt ISO>|<id>` (what `nextCursor` returns). */
function parseCursor(text: string | undefined): ConversationCursor | undefined {
  if (text === undefined) return undefined;
  const [updatedAt = '', id] = text.split('|');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (Number.isNaN(Date.parse(updatedAt)) || (id !== undefined && !uuid.test(id))) {
    throw new ValidationError('before: not a cursor returned as nextCursor');
  }
  return { updatedAt: new Date(updatedAt).toISOString(), id };
}

@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversationsRepository: ConversationsRepository,
    private readonly publisher: RealtimePublisher,
    private readonly presence: PresenceService,
    private readonly presenceAudience: PresenceAudience,
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
      else if (created) await this.announceMembershipChange(id, [creatorId, input.memberId]);
      else await this.acceptRequestOf(id, creatorId, { includeDeclined: true });
      return { conversation: await this.get(id, creatorId), created };
    }
    const memberIds = [...new Set(input.memberIds)].filter((id) => id !== creatorId);
    await this.requireUsersExist(memberIds);
    await this.privacyService.requireMayAddToGroups(creatorId, memberIds);
    const id = await this.conversationsRepository.createGroup(creatorId, input.name, memberIds);
    await this.announceMembershipChange(id, [creatorId, ...memberIds]);
    return { conversation: await this.get(id, creatorId), created: true };
  }

  async rename(conversationId: string, callerId: string, name: string): Promise<Conversation> {
    await this.requireGroupManager(conversationId, callerId);
    await this.conversationsRepository.rename(conversationId, name);
    await this.announceUpdate(conversationId);
    return this.get(conversationId, callerId);
  }

  async addMember(
    conversationId: string,
    callerId: string,
    input: AddMemberBody & { role: 'admin' | 'member' },
  ): Promise<Conversation> {
    await this.requireGroupManager(conversationId, callerId);
    await this.requireUsersExist([input.userId]);
    await this.privacyService.requireMayAddToGroups(callerId, [input.userId]);
    const added = await this.conversationsRepository.addMember(
      conversationId,
      input.userId,
      input.role,
    );
    if (!added) throw new ConflictError('user is already a member');
    await this.announceMembershipChange(conversationId, [input.userId]);
    return this.get(conversationId, callerId);
  }

  /** Owner/admin removes a member; anyone removes themselves (leaves). */
  async removeMember(conversationId: string, callerId: string, userId: string): Promise<void> {
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
    await this.announceUpdate(conversationId);
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
    const members = await this.conversationsRepository.listMembers(conversationId);
    for (const member of members) {
      const row = await this.conversationsRepository.findView(conversationId, member.userId);
      if (row) this.publisher.toUser(member, 'conversation:updated', toConversation(row));
    }
    const memberIds = members.map((member) => member.userId);
    const [online, rules] = await Promise.all([
      this.presence.onlineAmong(memberIds),
      this.presenceAudience.rulesAmong(memberIds),
    ]);
    const lastSeenAt = new Date().toISOString();
    for (const subjectId of online) {
      for (const viewerId of memberIds) {
        if (viewerId === subjectId || !rules.canSee(viewerId, subjectId)) continue;
        this.publisher.toUser({ userId: viewerId }, 'presence', {
          userId: subjectId,
          status: 'online',
          lastSeenAt,
        });
      }
    }
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
   * Moves the new members' sockets into the room, tells every member, and introduces the
   * newcomers and the members to each other's presence: they share a conversation now.
   */
  private async announceMembershipChange(conversationId: string, joinedUserIds: string[]) {
    this.publisher.joinConversation(joinedUserIds, conversationId);
    const members = await this.announceUpdate(conversationId);
    const memberIds = members.map((member) => member.userId);
    const [onlineIds, rules] = await Promise.all([
      this.presence.onlineAmong(memberIds),
      this.presenceAudience.rulesAmong(memberIds),
    ]);
    const online = new Set(onlineIds);
    const lastSeenAt = new Date().toISOString();
    const joined = new Set(joinedUserIds);
    for (const userId of joined) {
      if (online.has(userId)) {
        const event = { userId, status: 'online' as const, lastSeenAt };
        if (rules.isDefault(userId)) {
          this.publisher.toConversation(conversationId, 'presence', event);
        } else {
          const viewers = memberIds.filter((viewerId) => rules.canSee(viewerId, userId));
          this.publisher.toRooms({ rooms: viewers.map(userRoom) }, 'presence', event);
        }
      }
      for (const member of members) {
        if (joined.has(member.userId) || !online.has(member.userId)) continue;
        if (!rules.canSee(userId, member.userId)) continue;
        this.publisher.toUser({ userId }, 'presence', {
          userId: member.userId,
          status: 'online',
          lastSeenAt,
        });
      }
    }
  }

  /** Sends `conversation:updated` to each member, with that member's own read state. */
  private async announceUpdate(conversationId: string) {
    const members = await this.conversationsRepository.listMembers(conversationId);
    const viewer = members[0];
    if (!viewer) return members;
    const row = await this.conversationsRepository.findView(conversationId, viewer.userId);
    if (!row) return members;
    const conversation = toConversation(row);
    for (const member of members) {
      this.publisher.toUser(
        { userId: member.userId },
        'conversation:updated',
        asSeenBy(conversation, member.lastReadSeq),
      );
    }
    return members;
  }
}
