import { Injectable } from '@nestjs/common';
import type { PresenceVisibility } from '@parley/protocol';
import { sql } from 'drizzle-orm';
import { DatabaseConnection } from '../database/database.js';
import { isContactOf } from '../modules/privacy/privacy.repository.js';

export interface SocketContext {
  /** False once the session was logged out (its refresh-token family revoked). */
  sessionActive: boolean;
  /** The user's presence setting. */
  presence: PresenceVisibility;
  conversationIds: string[];
  /** Message requests the user received and has not answered yet. */
  requestConversationIds: string[];
  /** The peers whose presence the user may see: those who share a conversation with them. */
  peerIds: string[];
}

@Injectable()
export class SocketContextRepository {
  constructor(private readonly database: DatabaseConnection) {}

  /** Everything a new socket needs, in one query. */
  async findSocketContext(userId: string, sessionId: string): Promise<SocketContext> {
    const [row] = await this.database.queryPrepared<{
      session_active: boolean;
      presence: PresenceVisibility;
      conversation_ids: string[];
      request_conversation_ids: string[];
      peer_ids: string[];
    }>(
      'parley_socket_context',
      sql`
      select
        exists (
          select 1 from refresh_tokens
          where family_id = ${sessionId} and user_id = ${userId} and revoked_at is null
        ) as session_active,
        (select presence from users where id = ${userId}) as presence,
        coalesce((
          select json_agg(conversation_id) from conversation_members
          where user_id = ${userId} and request_state is null
        ), '[]'::json) as conversation_ids,
        coalesce((
          select json_agg(conversation_id) from conversation_members
          where user_id = ${userId} and request_state = 'pending'
        ), '[]'::json) as request_conversation_ids,
        coalesce((
          select json_agg(distinct other.user_id)
          from conversation_members mine
          join conversation_members other on other.conversation_id = mine.conversation_id
          join users peer on peer.id = other.user_id
          where mine.user_id = ${userId} and other.user_id <> ${userId}
            and mine.request_state is null and other.request_state is null
            and (peer.presence = 'everyone' or (peer.presence = 'contacts'
              and ${isContactOf(sql`peer.id`, sql`${userId}::uuid`)}))
        ), '[]'::json) as peer_ids`,
    );
    return {
      sessionActive: row!.session_active,
      // A deleted user's token: the session check refuses it anyway.
      presence: row!.presence ?? 'everyone',
      conversationIds: row!.conversation_ids,
      requestConversationIds: row!.request_conversation_ids,
      peerIds: row!.peer_ids,
    };
  }

  /** The presence setting and the conversation ids (requests left out) of each of `userIds`. */
  async findPresenceSubjects(
    userIds: string[],
  ): Promise<{ userId: string; presence: PresenceVisibility; conversationIds: string[] }[]> {
    const rows = await this.database.query<{
      id: string;
      presence: PresenceVisibility;
      conversation_ids: string[];
    }>(sql`
      select u.id, u.presence, coalesce((
          select json_agg(m.conversation_id) from conversation_members m
          where m.user_id = u.id and m.request_state is null
        ), '[]'::json) as conversation_ids
      from users u
      where u.id in (select value::uuid from json_array_elements_text(${JSON.stringify(userIds)}::json))`);
    return rows.map((row) => ({
      userId: row.id,
      presence: row.presence,
      conversationIds: row.conversation_ids,
    }));
  }
}
