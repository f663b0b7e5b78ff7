import { Injectable } from '@nestjs/common';
import type { MemberRole } from '@parley/protocol';
import {
  ConversationNotFoundError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../common/errors.js';
import type { AuthContext } from '../auth/current-auth.decorator.js';
import { AccessRepository, type Membership } from './access.repository.js';

const MANAGERS: ReadonlySet<MemberRole> = new Set(['owner', 'admin']);

/**
 * Who may do what to a conversation: every rule in one place, checked first by the services and
 * the gateway. Whoever may not see a conversation is told it does not exist, exactly as for an
 * unknown id; a member who may see it but not do this gets FORBIDDEN.
 */
@Injectable()
export class Access {
  constructor(private readonly accessRepository: AccessRepository) {}

  /** The caller's membership; a non-member is told the conversation does not exist. */
  async requireMember(auth: AuthContext, conversationId: string): Promise<Membership> {
    const memberships = await this.accessRepository.findMemberships(auth.userId, [conversationId]);
    const membership = memberships.get(conversationId);
    if (!membership) throw new ConversationNotFoundError();
    return membership;
  }

  /** The batch form of {@link requireMember}: the ids among `conversationIds` the caller is in. */
  async checkMember(auth: AuthContext, conversationIds: Iterable<string>): Promise<Set<string>> {
    const ids = [...new Set(conversationIds)];
    const memberships = await this.accessRepository.findMemberships(auth.userId, ids);
    return new Set(memberships.keys());
  }

  /**
   * Deleting other members' messages: a group's owner or admin. Everyone deletes their own;
   * only the sender edits a message.
   */
  mayDeleteAnyMessage(membership: Membership): boolean {
    return membership.type === 'group' && MANAGERS.has(membership.role);
  }

  /** A message names only members of its conversation; anyone else is a bad request. */
  async requireMembers(conversationId: string, userIds: string[]): Promise<void> {
    const memberIds = await this.accessRepository.findMemberIds(conversationId, userIds);
    if (memberIds.length !== new Set(userIds).size) {
      throw new ValidationError('mentions must be members of the conversation');
    }
  }

  /** Renaming a group or adding to it: its owner or an admin. */
  async requireGroupManager(auth: AuthContext, conversationId: string): Promise<Membership> {
    const membership = await this.requireMember(auth, conversationId);
    if (membership.type !== 'group') throw new ForbiddenError('only groups can be changed');
    if (!MANAGERS.has(membership.role)) {
      throw new ForbiddenError('only an owner or admin can do this');
    }
    return membership;
  }

  /**
   * Removing `memberId` from a group: anyone may leave; an owner removes anyone, an admin only
   * plain members. Nobody is removed from a direct conversation.
   */
  async requireMayRemoveMember(
    auth: AuthContext,
    conversationId: string,
    memberId: string,
  ): Promise<void> {
    const caller = await this.requireMember(auth, conversationId);
    if (caller.type === 'direct') {
      throw new ForbiddenError('members of a direct conversation cannot be removed');
    }
    if (memberId === auth.userId) return;
    if (!MANAGERS.has(caller.role)) {
      throw new ForbiddenError('only an owner or admin can remove members');
    }
    const targets = await this.accessRepository.findMemberships(memberId, [conversationId]);
    const target = targets.get(conversationId);
    if (!target) throw new NotFoundError('user is not a member');
    if (caller.role === 'admin' && MANAGERS.has(target.role)) {
      throw new ForbiddenError('an admin cannot remove an owner or another admin');
    }
  }
}
