import {
  conversationTypes,
  directMessagePolicies,
  groupAddPolicies,
  memberRoles,
  presenceVisibilities,
} from '@parley/protocol';
import { sql, type SQL } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

// Millisecond precision, so a timestamp survives the round trip through a JSON ISO string
// and can serve as an exact pagination cursor.
const timestampMs = (name: string) =>
  timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

const seqColumn = (name: string) => bigint(name, { mode: 'number' });

/** `column in ('a', 'b')` over one of the protocol's lists of literals. */
const isOneOf = (column: AnyPgColumn, values: readonly string[]): SQL =>
  sql`${column} in (${sql.raw(values.map((value) => `'${value}'`).join(', '))})`;

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    // Privacy settings (contract section 9); the defaults keep v1 behaviour.
    presence: text('presence', { enum: presenceVisibilities }).notNull().default('everyone'),
    directMessages: text('direct_messages', { enum: directMessagePolicies })
      .notNull()
      .default('everyone'),
    groupAdds: text('group_adds', { enum: groupAddPolicies }).notNull().default('everyone'),
  },
  (table) => [
    check('users_presence_check', isOneOf(table.presence, presenceVisibilities)),
    check('users_direct_messages_check', isOneOf(table.directMessages, directMessagePolicies)),
    check('users_group_adds_check', isOneOf(table.groupAdds, groupAddPolicies)),
    // Usernames are folded to lower case on input; the check makes the unique index
    // case-insensitive, and text_pattern_ops lets it serve prefix search too.
    check('users_username_lower_check', sql`${table.username} = lower(${table.username})`),
    unique('users_username_key').on(table.username),
    index('users_username_prefix_idx').on(table.username.op('text_pattern_ops')),
    index('users_display_name_prefix_idx').on(sql`lower(${table.displayName}) text_pattern_ops`),
  ],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestampMs('expires_at').notNull(),
    revokedAt: timestampMs('revoked_at'),
    replacedBy: uuid('replaced_by'),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
  },
  (table) => [
    unique('refresh_tokens_token_hash_key').on(table.tokenHash),
    index('refresh_tokens_family_idx').on(table.familyId),
    index('refresh_tokens_user_idx').on(table.userId),
  ],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type', { enum: conversationTypes }).notNull(),
    name: text('name'),
    // "<smaller user id>:<larger user id>" for direct conversations: a pair can never get two.
    directKey: text('direct_key'),
    lastSeq: seqColumn('last_seq').notNull().default(0),
    // The second counter of contract section 6: every new message and every change to one.
    lastRev: seqColumn('last_rev').notNull().default(0),
    lastMessageAt: timestampMs('last_message_at'),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    updatedAt: timestampMs('updated_at').notNull().defaultNow(),
  },
  (table) => [
    check('conversations_type_check', isOneOf(table.type, conversationTypes)),
    unique('conversations_direct_key_key').on(table.directKey),
  ],
);

export const conversationMembers = pgTable(
  'conversation_members',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: memberRoles }).notNull(),
    lastReadSeq: seqColumn('last_read_seq').notNull().default(0),
    lastDeliveredSeq: seqColumn('last_delivered_seq').notNull().default(0),
    joinedAt: timestampMs('joined_at').notNull().defaultNow(),
    // Whether this member ever sent here: in a direct conversation it makes the other person
    // one of this member's contacts. Set by the send statement's existing watermark update.
    hasSent: boolean('has_sent').notNull().default(false),
    // For the receiving member of a message request: 'pending' until accepted, 'declined' after
    // a decline (hidden from this member for good); null otherwise.
    requestState: text('request_state', { enum: ['pending', 'declined'] }),
  },
  (table) => [
    primaryKey({ columns: [table.conversationId, table.userId] }),
    index('conversation_members_user_idx').on(table.userId),
    check('conversation_members_role_check', isOneOf(table.role, memberRoles)),
    check(
      'conversation_members_request_state_check',
      sql`${table.requestState} in ('pending', 'declined')`,
    ),
  ],
);

export const messages = pgTable(
  'messages',
  {
    // UUID v7, made by the server: time-ordered, so inserts stay at the right edge of the index.
    id: uuid('id').primaryKey(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    seq: seqColumn('seq').notNull(),
    senderId: uuid('sender_id')
      .notNull()
      .references(() => users.id),
    clientMsgId: uuid('client_msg_id').notNull(),
    content: text('content').notNull(),
    type: text('type', { enum: ['text'] })
      .notNull()
      .default('text'),
    createdAt: timestampMs('created_at').notNull().defaultNow(),
    // The conversation's rev of this message's latest write (send, edit, delete, reaction).
    rev: seqColumn('rev').notNull(),
    editedAt: timestampMs('edited_at'),
    // Set, the message is a tombstone: content '' and no mentions or reactions.
    deletedAt: timestampMs('deleted_at'),
    replyToSeq: seqColumn('reply_to_seq'),
    // What the message shows; message_mentions holds the same for counting.
    mentions: uuid('mentions')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
  },
  (table) => [
    unique('messages_conversation_seq_key').on(table.conversationId, table.seq),
    unique('messages_sender_client_msg_key').on(table.senderId, table.clientMsgId),
    // sync's `updated`: the changes after a client's rev.
    index('messages_conversation_rev_idx').on(table.conversationId, table.rev),
    // Exact unread counts subtract the deleted messages after a watermark; deletes are rare.
    index('messages_deleted_idx')
      .on(table.conversationId, table.seq)
      .where(sql`${table.deletedAt} is not null`),
  ],
);

/**
 * One row per (message, mentioned member) of every message not deleted: a member's mention
 * count is a range scan from its read watermark.
 */
export const messageMentions = pgTable(
  'message_mentions',
  {
    conversationId: uuid('conversation_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    seq: seqColumn('seq').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.conversationId, table.userId, table.seq] }),
    foreignKey({
      name: 'message_mentions_message_fk',
      columns: [table.conversationId, table.seq],
      foreignColumns: [messages.conversationId, messages.seq],
    }).onDelete('cascade'),
  ],
);

/**
 * One row per (message, emoji, reactor): a reaction is one insert or delete, whatever the
 * number of reactors, never a rewrite of a growing array.
 */
export const messageReactions = pgTable(
  'message_reactions',
  {
    conversationId: uuid('conversation_id').notNull(),
    seq: seqColumn('seq').notNull(),
    emoji: text('emoji').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // The rev of this reaction: reactors of an emoji are listed in this order.
    rev: seqColumn('rev').notNull(),
    // The rev at which this emoji (re)appeared on the message, copied while it keeps a reactor:
    // emojis are listed in this order, and one that disappears and comes back goes last.
    emojiRev: seqColumn('emoji_rev').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.conversationId, table.seq, table.emoji, table.userId] }),
    foreignKey({
      name: 'message_reactions_message_fk',
      columns: [table.conversationId, table.seq],
      foreignColumns: [messages.conversationId, messages.seq],
    }).onDelete('cascade'),
  ],
);
