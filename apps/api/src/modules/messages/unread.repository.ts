import { Injectable } from '@nestjs/common';
import { sql, type SQL } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { ExampleValue, GenerateSql } from '../../database/generate-sql.js';

/** Where a statement holds one member's read state: SQL expressions of its own rows. */
export interface ReadStateColumns {
  conversationId: SQL;
  userId: SQL;
  lastReadSeq: SQL;
  lastSeq: SQL;
}

/**
 * A member's exact counts as two columns, `unread_count` and `mention_count`, of the statement
 * that reads their watermark (or counts at it), so both come from that statement's one
 * snapshot, with the `last_seq` they are counted against: a delete or send that commits
 * meanwhile is either in all of them or in none.
 *
 * Unread: every message after the watermark but the deleted ones. The member's own messages are
 * never after it (a send moves its sender's watermark in the same statement), so no sender check
 * is needed, and the deleted ones are an index range scan of the partial `messages_deleted_idx`,
 * which holds deleted messages only. Mentions: `message_mentions` keeps rows of messages not
 * deleted only, a range scan of its primary key.
 */
export function readCountColumns(read: ReadStateColumns): SQL {
  return sql`greatest(${read.lastSeq} - ${read.lastReadSeq}, 0) - (
      select count(*) from messages deleted
      where deleted.conversation_id = ${read.conversationId} and deleted.deleted_at is not null
        and deleted.seq > ${read.lastReadSeq} and deleted.seq <= ${read.lastSeq}
    ) as unread_count,
    (
      select count(*) from message_mentions mention
      where mention.conversation_id = ${read.conversationId} and mention.user_id = ${read.userId}
        and mention.seq > ${read.lastReadSeq}
    ) as mention_count`;
}

/** A member's read state and exact counts (`unread:update` without its conversation). */
export interface MemberUnread {
  userId: string;
  lastReadSeq: number;
  unreadCount: number;
  mentionCount: number;
}

@Injectable()
export class UnreadRepository {
  constructor(private readonly database: DatabaseConnection) {}

  /**
   * After the message `seq` was deleted (committed): the members whose counts it changed, the
   * ones who had not read it (not its sender, who always has), with their exact counts now, in
   * one statement. It locks nothing: a watermark batch counts after its own commit
   * (`MessagesRepository.advanceWatermarks`), so a read that moved past this statement's
   * snapshot counted the delete itself, and a read that committed before it is seen here. A
   * member may be answered at a watermark a read already left behind; clients keep the highest
   * `lastReadSeq` they were told.
   */
  @GenerateSql({ params: [ExampleValue.CONVERSATION_ID, 7, ExampleValue.USER_ID] })
  async afterDelete(
    conversationId: string,
    seq: number,
    senderId: string,
  ): Promise<MemberUnread[]> {
    return this.database.query<MemberUnread>(sql`
      with affected as (
        select m.conversation_id, m.user_id, m.last_read_seq
        from conversation_members m
        where m.conversation_id = ${conversationId} and m.last_read_seq < ${seq}
          and m.user_id <> ${senderId} and m.request_state is distinct from 'declined'
      )
      select affected.user_id as "userId", affected.last_read_seq as "lastReadSeq",
        counts.unread_count as "unreadCount", counts.mention_count as "mentionCount"
      from affected
      join conversations c on c.id = affected.conversation_id
      cross join lateral (
        select ${readCountColumns({
          conversationId: sql`affected.conversation_id`,
          userId: sql`affected.user_id`,
          lastReadSeq: sql`affected.last_read_seq`,
          lastSeq: sql`c.last_seq`,
        })}
      ) counts`);
  }
}
