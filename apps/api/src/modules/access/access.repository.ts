import { Injectable } from '@nestjs/common';
import type { ConversationType, MemberRole } from '@parley/protocol';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { ExampleValue, GenerateSql } from '../../database/generate-sql.js';
import { conversationMembers, conversations } from '../../database/schema.js';

/** The roles that manage a group: rename it, add and remove members, delete any message. */
export const MANAGERS: ReadonlySet<MemberRole> = new Set(['owner', 'admin']);

/**
 * The rules of `Access` as SQL, for statements that check them themselves to keep one
 * round trip (a message change), defined in the access module beside the methods.
 *
 * `membershipOf`: the body of a CTE with the caller's membership row (`role`, `type`), none for a
 * non-member or a declined request (`Access.requireMember`).
 */
export const membershipOf = (conversationId: string, userId: string): SQL => sql`
        select m.role, c.type from conversation_members m
        join conversations c on c.id = m.conversation_id
        where m.conversation_id = ${conversationId} and m.user_id = ${userId}
          and m.request_state is distinct from 'declined'`;

/**
 * Deleting other members' messages, as a condition on the membership row `alias` (see
 * {@link membershipOf}): a group's owner or admin. Everyone deletes their own; only the sender
 * edits a message.
 */
export const mayDeleteAnyMessageOf = (alias: string): SQL =>
  sql`(${sql.raw(alias)}.type = 'group' and ${sql.raw(alias)}.role in (${sql.join(
    [...MANAGERS].map((role) => sql`${role}`),
    sql`, `,
  )}))`;

/** `Access.requireMembers` as a condition: every one of `userIds` (no duplicates) is a member. */
export const allMembers = (conversationId: string, userIds: SQL): SQL => sql`(
          select count(*) from conversation_members m
          where m.conversation_id = ${conversationId} and m.user_id = any(${userIds})
            and m.request_state is distinct from 'declined'
        ) = cardinality(${userIds})`;

/** What a user is in one conversation. */
export interface Membership {
  role: MemberRole;
  type: ConversationType;
  /** A message request the member received and has not answered. */
  request: boolean;
  /** The conversation's last seq when this was read: a bound that only grows. */
  lastSeq: number;
}

@Injectable()
export class AccessRepository {
  constructor(private readonly database: DatabaseConnection) {}

  /**
   * The user's membership in each of `conversationIds` they belong to, in one query; none for a
   * message request they declined: to them it does not exist.
   */
  @GenerateSql({ params: [ExampleValue.USER_ID, [ExampleValue.CONVERSATION_ID]] })
  async findMemberships(
    userId: string,
    conversationIds: string[],
  ): Promise<Map<string, Membership>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.database.db
      .select({
        conversationId: conversationMembers.conversationId,
        role: conversationMembers.role,
        type: conversations.type,
        requestState: conversationMembers.requestState,
        lastSeq: conversations.lastSeq,
      })
      .from(conversationMembers)
      .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
      .where(
        and(
          eq(conversationMembers.userId, userId),
          inArray(conversationMembers.conversationId, conversationIds),
          sql`${conversationMembers.requestState} is distinct from 'declined'`,
        ),
      );
    return new Map(
      rows.map((row) => [
        row.conversationId,
        {
          role: row.role,
          type: row.type,
          request: row.requestState === 'pending',
          lastSeq: row.lastSeq,
        },
      ]),
    );
  }

  /** The ids among `userIds` that are members of the conversation (a declined request is none). */
  @GenerateSql({ params: [ExampleValue.CONVERSATION_ID, [ExampleValue.USER_ID]] })
  async findMemberIds(conversationId: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.database.db
      .select({ userId: conversationMembers.userId })
      .from(conversationMembers)
      .where(
        and(
          eq(conversationMembers.conversationId, conversationId),
          inArray(conversationMembers.userId, userIds),
          sql`${conversationMembers.requestState} is distinct from 'declined'`,
        ),
      );
    return rows.map((row) => row.userId);
  }
}
