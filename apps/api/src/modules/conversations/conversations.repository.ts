import { Injectable } from '@nestjs/common';
import type { ConversationCursor, MemberRole } from '@parley/protocol';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { ExampleValue, GenerateSql } from '../../database/generate-sql.js';
import { conversationMembers, conversations, users } from '../../database/schema.js';
import { reactionsOf } from '../messages/messages.repository.js';
import { readCountColumns } from '../messages/unread.repository.js';
import type { ConversationViewRow } from './conversation-view.js';

/** A member's watermarks at the moment their message request was accepted. */
export interface AcceptedRequest {
  lastReadSeq: number;
  lastDeliveredSeq: number;
}

// A declined request is hidden from its receiver for good: to them it does not exist.
const visibleToViewer = sql`viewer.request_state is distinct from 'declined'`;

/**
 * A list of (validated) UUIDs as one array parameter: a thousand ids stay one bind parameter,
 * instead of a thousand that the query builder would expand one by one.
 */
const uuidArray = (ids: string[]): SQL => sql`${`{${ids.join(',')}}`}::uuid[]`;

/**
 * Columns of one conversation as the member `viewer` sees it (one statement, no N+1: the
 * subqueries are per-row index lookups). The receiver of a message request shows no receipts to
 * the others until they accept.
 */
const conversationViewColumns = sql`
  c.id, c.type, c.name, c.last_seq, c.last_rev, c.created_at, c.updated_at, viewer.last_read_seq,
  viewer.request_state,
  ${readCountColumns({
    conversationId: sql`c.id`,
    userId: sql`viewer.user_id`,
    lastReadSeq: sql`viewer.last_read_seq`,
    lastSeq: sql`c.last_seq`,
  })},
  (select json_agg(json_build_object(
            'userId', u.id, 'username', u.username, 'displayName', u.display_name, 'role', m.role,
            'lastReadSeq', case when m.request_state is null or m.user_id = viewer.user_id
              then m.last_read_seq else 0 end,
            'lastDeliveredSeq', case when m.request_state is null or m.user_id = viewer.user_id
              then m.last_delivered_seq else 0 end)
          order by m.joined_at, u.username)
     from conversation_members m join users u on u.id = m.user_id
    where m.conversation_id = c.id) as members,
  (select json_build_object(
            'id', msg.id, 'conversationId', msg.conversation_id, 'seq', msg.seq,
            'senderId', msg.sender_id, 'clientMsgId', msg.client_msg_id, 'content', msg.content,
            'type', msg.type, 'createdAt', msg.created_at, 'rev', msg.rev,
            'editedAt', msg.edited_at, 'deletedAt', msg.deleted_at, 'replyToSeq', msg.reply_to_seq,
            'mentions', msg.mentions, 'reactions', ${reactionsOf('msg')},
            'attachments', '[]'::json)
     from messages msg
    where msg.conversation_id = c.id and msg.seq = c.last_seq) as last_message`;

@Injectable()
export class ConversationsRepository {
  constructor(private readonly database: DatabaseConnection) {}

  /** The ids among `userIds` that belong to existing users. */
  @GenerateSql({ params: [[ExampleValue.USER_ID, ExampleValue.OTHER_USER_ID]] })
  async findExistingUserIds(userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.database.query<{ id: string }>(
      sql`select id from users where id = any(${uuidArray(userIds)})`,
    );
    return rows.map((row) => row.id);
  }

  /**
   * Finds or creates the direct conversation of a pair. The unique `direct_key` makes two
   * concurrent creations for the same pair meet in one conversation. A new one is a message
   * request for `otherUserId` when they take direct messages as requests: they cannot have sent
   * in a direct conversation with `userId` before, so `userId` is no contact of theirs.
   */
  async findOrCreateDirect(
    userId: string,
    otherUserId: string,
  ): Promise<{ id: string; created: boolean; request: boolean }> {
    const directKey = [userId, otherUserId].sort().join(':');
    return this.database.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(conversations)
        .values({ type: 'direct', directKey })
        .onConflictDoNothing({ target: conversations.directKey })
        .returning({ id: conversations.id });
      if (inserted) {
        const [receiver] = await tx
          .select({ directMessages: users.directMessages })
          .from(users)
          .where(eq(users.id, otherUserId));
        const request = receiver?.directMessages === 'requests';
        await tx.insert(conversationMembers).values([
          { conversationId: inserted.id, userId, role: 'member' },
          {
            conversationId: inserted.id,
            userId: otherUserId,
            role: 'member',
            requestState: request ? 'pending' : null,
          },
        ]);
        return { id: inserted.id, created: true, request };
      }
      const [existing] = await tx
        .select({ id: conversations.id })
        .from(conversations)
        .where(eq(conversations.directKey, directKey));
      return { id: existing!.id, created: false, request: false };
    });
  }

  /**
   * Ends the user's message request (pending, or declined when `includeDeclined`); answers their
   * watermarks, or undefined when there was no such request.
   */
  @GenerateSql({
    params: [ExampleValue.CONVERSATION_ID, ExampleValue.USER_ID, { includeDeclined: false }],
  })
  async acceptRequest(
    conversationId: string,
    userId: string,
    options: { includeDeclined: boolean },
  ): Promise<AcceptedRequest | undefined> {
    const states = options.includeDeclined ? ['pending', 'declined'] : ['pending'];
    const [row] = await this.database.db
      .update(conversationMembers)
      .set({ requestState: null })
      .where(
        and(
          eq(conversationMembers.conversationId, conversationId),
          eq(conversationMembers.userId, userId),
          inArray(conversationMembers.requestState, states as ('pending' | 'declined')[]),
        ),
      )
      .returning({
        lastReadSeq: conversationMembers.lastReadSeq,
        lastDeliveredSeq: conversationMembers.lastDeliveredSeq,
      });
    return row;
  }

  /** Declines the user's pending message request; false when there was none. */
  @GenerateSql({ params: [ExampleValue.CONVERSATION_ID, ExampleValue.USER_ID] })
  async declineRequest(conversationId: string, userId: string): Promise<boolean> {
    const rows = await this.database.db
      .update(conversationMembers)
      .set({ requestState: 'declined' })
      .where(
        and(
          eq(conversationMembers.conversationId, conversationId),
          eq(conversationMembers.userId, userId),
          eq(conversationMembers.requestState, 'pending'),
        ),
      )
      .returning({ userId: conversationMembers.userId });
    return rows.length === 1;
  }

  /** One statement, so a group never exists without its members. */
  @GenerateSql({ params: [ExampleValue.USER_ID, ExampleValue.TEXT, [ExampleValue.OTHER_USER_ID]] })
  async createGroup(ownerId: string, name: string, memberIds: string[]): Promise<string> {
    const [row] = await this.database.query<{ id: string }>(sql`
      with conversation as (
        insert into conversations (type, name) values ('group', ${name}) returning id
      ), members as (
        insert into conversation_members (conversation_id, user_id, role)
        select id, ${ownerId}::uuid, 'owner' from conversation
        union all
        select id, member_id, 'member' from conversation, unnest(${uuidArray(memberIds)}) as member_id
      )
      select id from conversation`);
    return row!.id;
  }

  @GenerateSql({ params: [ExampleValue.CONVERSATION_ID, ExampleValue.TEXT] })
  async rename(conversationId: string, name: string): Promise<void> {
    await this.database.db
      .update(conversations)
      .set({ name, updatedAt: sql`now()` })
      .where(eq(conversations.id, conversationId));
  }

  /**
   * Adds a member, unless the user already is one or the group has `maxMembers` already. The
   * newcomer's watermarks start at the conversation's last seq: history is there to read, but
   * it does not count as unread. The conversation's row lock orders concurrent additions, so
   * two of them cannot both take the last place.
   */
  async addMember(
    conversationId: string,
    userId: string,
    role: MemberRole,
    maxMembers: number,
  ): Promise<'added' | 'member' | 'full'> {
    return this.database.db.transaction(async (tx) => {
      await tx
        .select({ id: conversations.id })
        .from(conversations)
        .where(eq(conversations.id, conversationId))
        .for('update');
      // A statement of its own after the lock: its snapshot sees every addition committed
      // before the lock was granted.
      const added = (await tx.execute(sql`
        with added as (
          insert into conversation_members
            (conversation_id, user_id, role, last_read_seq, last_delivered_seq)
          select id, ${userId}::uuid, ${role}::text, last_seq, last_seq
          from conversations
          where id = ${conversationId} and (
            select count(*) from conversation_members where conversation_id = ${conversationId}
          ) < ${maxMembers}
          on conflict do nothing
          returning user_id
        ), touched as (
          update conversations set updated_at = now()
          where id = ${conversationId} and exists (select 1 from added)
        )
        select user_id from added`)) as unknown as { rows: { user_id: string }[] };
      if (added.rows.length === 1) return 'added';
      const [existing] = await tx
        .select({ userId: conversationMembers.userId })
        .from(conversationMembers)
        .where(
          and(
            eq(conversationMembers.conversationId, conversationId),
            eq(conversationMembers.userId, userId),
          ),
        );
      return existing ? 'member' : 'full';
    });
  }

  /**
   * Removes a member. When the owner leaves, the longest-standing admin (else member) becomes
   * owner, so a group is never without one. Locks follow the one order of every statement that
   * writes member rows: the conversation row first (sends lock it before member rows), then the
   * member rows by user_id, the leaving one and its would-be successor together, before either
   * is written (a watermark batch locks both in user_id order too, and deleting one before
   * locking the other could deadlock with it).
   */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.database.db.transaction(async (tx) => {
      await tx
        .update(conversations)
        .set({ updatedAt: sql`now()` })
        .where(eq(conversations.id, conversationId));
      const locked = (await tx.execute(sql`
        select user_id as "userId" from conversation_members
        where conversation_id = ${conversationId} and (user_id = ${userId} or user_id = (
          select user_id from conversation_members
          where conversation_id = ${conversationId} and user_id <> ${userId}
          order by (role = 'admin') desc, joined_at asc, user_id asc
          limit 1))
        order by user_id
        for update`)) as unknown as { rows: { userId: string }[] };
      const successor = locked.rows.find((row) => row.userId !== userId)?.userId;
      const [removed] = await tx
        .delete(conversationMembers)
        .where(
          and(
            eq(conversationMembers.conversationId, conversationId),
            eq(conversationMembers.userId, userId),
          ),
        )
        .returning({ role: conversationMembers.role });
      if (removed?.role === 'owner' && successor) {
        await tx
          .update(conversationMembers)
          .set({ role: 'owner' })
          .where(
            and(
              eq(conversationMembers.conversationId, conversationId),
              eq(conversationMembers.userId, successor),
            ),
          );
      }
    });
  }

  @GenerateSql({ params: [ExampleValue.CONVERSATION_ID, ExampleValue.USER_ID] })
  async findView(
    conversationId: string,
    viewerId: string,
  ): Promise<ConversationViewRow | undefined> {
    const [row] = await this.queryViews(
      sql`viewer.user_id = ${viewerId} and viewer.conversation_id = ${conversationId}
        and ${visibleToViewer}`,
      1,
    );
    return row;
  }

  /**
   * The conversation as one of its members sees it (which one is left open: callers keep only
   * what every member sees alike); undefined once it has no members.
   */
  @GenerateSql({ params: [ExampleValue.CONVERSATION_ID] })
  async findViewOfAnyMember(conversationId: string): Promise<ConversationViewRow | undefined> {
    const [row] = await this.queryViews(sql`viewer.conversation_id = ${conversationId}`, 1);
    return row;
  }

  /**
   * The viewer's conversations, newest activity first, keyset-paged by (updated_at, id):
   * without the message requests they received, or (`requests`) only those.
   */
  @GenerateSql(
    { params: [ExampleValue.USER_ID, 51, { requests: false }] },
    {
      name: 'before',
      params: [
        ExampleValue.USER_ID,
        51,
        {
          before: { updatedAt: ExampleValue.TIMESTAMP, id: ExampleValue.CONVERSATION_ID },
          requests: false,
        },
      ],
    },
    { name: 'requests', params: [ExampleValue.USER_ID, 51, { requests: true }] },
  )
  listViews(
    viewerId: string,
    limit: number,
    options: { before?: ConversationCursor; requests: boolean },
  ): Promise<ConversationViewRow[]> {
    const { before } = options;
    let condition = sql`viewer.user_id = ${viewerId} and ${
      options.requests ? sql`viewer.request_state = 'pending'` : sql`viewer.request_state is null`
    }`;
    if (before?.id) {
      condition = sql`${condition} and (c.updated_at, c.id) < (${before.updatedAt}::timestamptz, ${before.id}::uuid)`;
    } else if (before) {
      condition = sql`${condition} and c.updated_at < ${before.updatedAt}::timestamptz`;
    }
    return this.queryViews(condition, limit);
  }

  private queryViews(condition: SQL, limit: number): Promise<ConversationViewRow[]> {
    return this.database.query<ConversationViewRow>(sql`
      select ${conversationViewColumns}
      from conversation_members viewer
      join conversations c on c.id = viewer.conversation_id
      where ${condition}
      order by c.updated_at desc, c.id desc
      limit ${limit}`);
  }
}
