import { Injectable } from '@nestjs/common';
import { inArray, sql } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { conversationMembers } from '../../database/schema.js';

export interface SocketContext {
  /** False once the session was logged out (its refresh-token family revoked). */
  sessionActive: boolean;
  conversationIds: string[];
  /** Everyone who shares a conversation with the user: the audience of their presence. */
  peerIds: string[];
}

const parseJsonArray = (value: string[] | string): string[] =>
  typeof value === 'string' ? (JSON.parse(value) as string[]) : value;

@Injectable()
export class ChatRepository {
  constructor(private readonly database: DatabaseConnection) {}

  /** Everything a new socket needs, in one query. */
  async findSocketContext(userId: string, sessionId: string): Promise<SocketContext> {
    const [row] = await this.database.queryPrepared<{
      session_active: boolean;
      conversation_ids: string[] | string;
      peer_ids: string[] | string;
    }>(
      'parley_socket_context',
      sql`
      select
        exists (
          select 1 from refresh_tokens
          where family_id = ${sessionId} and user_id = ${userId} and revoked_at is null
        ) as session_active,
        coalesce((
          select json_agg(conversation_id) from conversation_members where user_id = ${userId}
        ), '[]'::json) as conversation_ids,
        coalesce((
          select json_agg(distinct other.user_id)
          from conversation_members mine
          join conversation_members other on other.conversation_id = mine.conversation_id
          where mine.user_id = ${userId} and other.user_id <> ${userId}
        ), '[]'::json) as peer_ids`,
    );
    return {
      sessionActive: row!.session_active,
      conversationIds: parseJsonArray(row!.conversation_ids),
      peerIds: parseJsonArray(row!.peer_ids),
    };
  }

  /** The conversation ids of each of `userIds`. */
  async findConversationIdsOfUsers(userIds: string[]): Promise<Map<string, string[]>> {
    const rows = await this.database.db
      .select({
        userId: conversationMembers.userId,
        conversationId: conversationMembers.conversationId,
      })
      .from(conversationMembers)
      .where(inArray(conversationMembers.userId, userIds));
    const byUser = new Map<string, string[]>();
    for (const row of rows) {
      byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row.conversationId]);
    }
    return byUser;
  }
}
