import { Injectable } from '@nestjs/common';
import type { ConversationType, MemberRole } from '@parley/protocol';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { ExampleValue, GenerateSql } from '../../database/generate-sql.js';
import { conversationMembers, conversations } from '../../database/schema.js';

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
