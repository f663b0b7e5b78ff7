import { Injectable } from '@nestjs/common';
import type { MemberRole } from '@parley/protocol';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { conversationMembers, conversations, users } from '../../database/schema.js';
import type { ConversationViewRow } from './conversation-view.js';

export interface Membership {
  role: MemberRole;
  type: 'direct' | 'group';
}

export interface ConversationCursor {
  updatedAt: string;
  id?: string;
}

/** Columns of one conversation as the member `viewer` sees it (one statement, no N+1). */
const conversationViewColumns = sql`
  c.id, c.type, c.name, c.last_seq, c.created_at, c.updated_at, viewer.last_read_seq,
  (select json_agg(json_build_object(
            'userId', u.id, 'username', u.username, 'displayName', u.display_name, 'role', m.role,
            'lastReadSeq', m.last_read_seq, 'lastDeliveredSeq', m.last_delivered_seq)
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

  async findMembership(conversationId: string, userId: string): Promise<Membership | undefined> {
    const [row] = await this.database.db
      .select({ role: conversationMembers.role, type: conversations.type })
      .from(conversationMembers)
      .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
      .where(
        and(
          eq(conversationMembers.conversationId, conversationId),
          eq(conversationMembers.userId, userId),
        ),
      );
    return row;
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
   * concurrent creations for the same pair meet in one conversation.
   */
  async findOrCreateDirect(
    userId: string,
    otherUserId: string,
  ): Promise<{ id: string; created: boolean }> {
    const directKey = [userId, otherUserId].sort().join(':');
    return this.database.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(conversations)
        .values({ type: 'direct', directKey })
        .onConflictDoNothing({ target: conversations.directKey })
        .returning({ id: conversations.id });
      if (inserted) {
        await tx.insert(conversationMembers).values([
          { conversationId: inserted.id, userId, role: 'member' },
          { conversationId: inserted.id, userId: otherUserId, role: 'member' },
        ]);
        return { id: inserted.id, created: true };
      }
      const [existing] = await tx
        .select({ id: conversations.id })
        .from(conversations)
        .where(eq(conversations.directKey, directKey));
      return { id: existing!.id, created: false };
    });
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
      const [conversation] = await tx
        .select({ lastSeq: conversations.lastSeq })
        .from(conversations)
        .where(eq(conversations.id, conversationId))
        .for('update');
      const [existing] = await tx
        .select({ userId: conversationMembers.userId })
        .from(conversationMembers)
        .where(
          and(
            eq(conversationMembers.conversationId, conversationId),
            eq(conversationMembers.userId, userId),
          ),
        );
      if (existing) return 'member';
      const [{ members }] = (await tx
        .select({ members: sql<number>`count(*)::int` })
        .from(conversationMembers)
        .where(eq(conversationMembers.conversationId, conversationId))) as [{ members: number }];
      if (members >= maxMembers) return 'full';
      const lastSeq = conversation!.lastSeq;
      await tx
        .insert(conversationMembers)
        .values({ conversationId, userId, role, lastReadSeq: lastSeq, lastDeliveredSeq: lastSeq });
      await tx
        .update(conversations)
        .set({ updatedAt: sql`now()` })
        .where(eq(conversations.id, conversationId));
      return 'added';
    });
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

  async findView(
    conversationId: string,
    viewerId: string,
  ): Promise<ConversationViewRow | undefined> {
    const [row] = await this.queryViews(
      sql`viewer.user_id = ${viewerId} and viewer.conversation_id = ${conversationId}`,
      1,
    );
    return row;
  }

  /**
   * The conversation as one of its members sees it (which one is left open: callers keep only
   * what every member sees alike); undefined once it has no members.
   */
  async findViewOfAnyMember(conversationId: string): Promise<ConversationViewRow | undefined> {
    const [row] = await this.queryViews(sql`viewer.conversation_id = ${conversationId}`, 1);
    return row;
  }

  /** The viewer's conversations, newest activity first, keyset-paged by (updated_at, id). */
  listViews(
    viewerId: string,
    limit: number,
    before?: ConversationCursor,
  ): Promise<ConversationViewRow[]> {
    let condition = sql`viewer.user_id = ${viewerId}`;
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
