import { Injectable } from '@nestjs/common';
import type { MemberRole } from '@parley/protocol';
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { conversationMembers, conversations, users } from '../../database/schema.js';
import type { ConversationViewRow } from './conversation-view.js';

export interface Membership {
  role: MemberRole;
  type: 'direct' | 'group';
  /** A message request the member received and has not answered. */
  request: boolean;
}

/** A member's watermarks at the moment their message request was accepted. */
export interface AcceptedRequest {
  lastReadSeq: number;
  lastDeliveredSeq: number;
}

// A declined request is hidden from its receiver for good: to them it does not exist.
const visibleToViewer = sql`viewer.request_state is distinct from 'declined'`;

export interface ConversationCursor {
  updatedAt: string;
  id?: string;
}

/**
 * Columns of one conversation as the member `viewer` sees it (one statement, no N+1). The
 * receiver of a message request shows no receipts to the others until they accept.
 */
const conversationViewColumns = sql`
  c.id, c.type, c.name, c.last_seq, c.created_at, c.updated_at, viewer.last_read_seq,
  viewer.request_state,
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
            'type', msg.type, 'createdAt', msg.created_at)
     from messages msg
    where msg.conversation_id = c.id and msg.seq = c.last_seq) as last_message`;

@Injectable()
export class ConversationsRepository {
  constructor(private readonly database: DatabaseConnection) {}

  /** The user's membership; none for a message request they declined. */
  async findMembership(conversationId: string, userId: string): Promise<Membership | undefined> {
    const [row] = await this.database.db
      .select({
        role: conversationMembers.role,
        type: conversations.type,
        requestState: conversationMembers.requestState,
      })
      .from(conversationMembers)
      .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
      .where(
        and(
          eq(conversationMembers.conversationId, conversationId),
          eq(conversationMembers.userId, userId),
          sql`${conversationMembers.requestState} is distinct from 'declined'`,
        ),
      );
    return row && { role: row.role, type: row.type, request: row.requestState === 'pending' };
  }

  /** The ids among `userIds` that belong to existing users. */
  async findExistingUserIds(userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.database.db
      .select({ id: users.id })
      .from(users)
      .where(inArray(users.id, userIds));
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

  async createGroup(ownerId: string, name: string, memberIds: string[]): Promise<string> {
    return this.database.db.transaction(async (tx) => {
      const [conversation] = await tx
        .insert(conversations)
        .values({ type: 'group', name })
        .returning({ id: conversations.id });
      const id = conversation!.id;
      await tx
        .insert(conversationMembers)
        .values([
          { conversationId: id, userId: ownerId, role: 'owner' as const },
          ...memberIds.map((userId) => ({ conversationId: id, userId, role: 'member' as const })),
        ]);
      return id;
    });
  }

  async rename(conversationId: string, name: string): Promise<void> {
    await this.database.db
      .update(conversations)
      .set({ name, updatedAt: sql`now()` })
      .where(eq(conversations.id, conversationId));
  }

  /**
   * Adds a member; false when the user already is one. The newcomer's watermarks start at the
   * conversation's last seq: history is there to read, but it does not count as unread.
   */
  async addMember(conversationId: string, userId: string, role: MemberRole): Promise<boolean> {
    const rows = await this.database.query<{ user_id: string }>(sql`
      with added as (
        insert into conversation_members
          (conversation_id, user_id, role, last_read_seq, last_delivered_seq)
        select id, ${userId}::uuid, ${role}::text, last_seq, last_seq
        from conversations where id = ${conversationId}
        on conflict do nothing
        returning user_id
      ), touched as (
        update conversations set updated_at = now()
        where id = ${conversationId} and exists (select 1 from added)
      )
      select user_id from added`);
    return rows.length === 1;
  }

  /**
   * Removes a member. When the owner leaves, the longest-standing admin (else member) becomes
   * owner, so a group is never without one.
   */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.database.db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(conversationMembers)
        .where(
          and(
            eq(conversationMembers.conversationId, conversationId),
            eq(conversationMembers.userId, userId),
          ),
        )
        .returning({ role: conversationMembers.role });
      if (removed?.role === 'owner') {
        await tx.execute(sql`
          update conversation_members set role = 'owner'
          where conversation_id = ${conversationId} and user_id = (
            select user_id from conversation_members
            where conversation_id = ${conversationId}
            order by (role = 'admin') desc, joined_at asc, user_id asc
            limit 1)`);
      }
      await tx
        .update(conversations)
        .set({ updatedAt: sql`now()` })
        .where(eq(conversations.id, conversationId));
    });
  }

  /** Members with their read watermark, oldest member first. */
  async listMembers(
    conversationId: string,
  ): Promise<{ userId: string; role: MemberRole; lastReadSeq: number }[]> {
    return this.database.db
      .select({
        userId: conversationMembers.userId,
        role: conversationMembers.role,
        lastReadSeq: conversationMembers.lastReadSeq,
      })
      .from(conversationMembers)
      .where(eq(conversationMembers.conversationId, conversationId))
      .orderBy(asc(conversationMembers.joinedAt));
  }

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
   * The viewer's conversations, newest activity first, keyset-paged by (updated_at, id):
   * without the message requests they received, or (`requests`) only those.
   */
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
