import { z } from 'zod';
import { queryIntegerSchema, seqSchema, timestampSchema, uuidSchema } from './common.js';
import { singleLineTextSchema } from './content.js';

export const conversationTypes = ['direct', 'group'] as const;
export type ConversationType = (typeof conversationTypes)[number];

export const memberRoles = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof memberRoles)[number];

/**
 * The server's default cap on a group's members, the creator included (`MAX_GROUP_MEMBERS`).
 * A creation request lists at most `MAX_GROUP_MEMBERS - 1` others whatever the server's cap.
 */
export const MAX_GROUP_MEMBERS = 1000;

export const conversationNameSchema = singleLineTextSchema('name', 100);

export const createConversationBodySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('direct'), memberId: uuidSchema }),
  z.object({
    type: z.literal('group'),
    name: conversationNameSchema,
    memberIds: z.array(uuidSchema).max(MAX_GROUP_MEMBERS - 1),
  }),
]);
export type CreateConversationBody = z.input<typeof createConversationBodySchema>;
export type CreateConversationInput = z.output<typeof createConversationBodySchema>;

export const renameConversationBodySchema = z.object({ name: conversationNameSchema });
export type RenameConversationBody = z.input<typeof renameConversationBodySchema>;
export type RenameConversationInput = z.output<typeof renameConversationBodySchema>;

export const addMemberBodySchema = z.object({
  userId: uuidSchema,
  role: z.enum(['admin', 'member']).default('member'),
});
export type AddMemberBody = z.input<typeof addMemberBodySchema>;
export type AddMemberInput = z.output<typeof addMemberBodySchema>;

// JavaScript dates reach years ±275760, PostgreSQL's timestamptz 4713 BC to 294276 AD, and
// toISOString() writes years past 9999 as `+YYYYYY`, which PostgreSQL cannot read.
const EARLIEST_CURSOR_TIME = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_CURSOR_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** Where a page of conversations starts: before this `updatedAt`, or before (`updatedAt`, `id`). */
export interface ConversationCursor {
  updatedAt: string;
  id?: string;
}

/** Cursor text: `<updatedAt ISO>` or `<updatedAt ISO>|<id>` (what `nextCursor` returns). */
export const conversationCursorSchema = z
  .string()
  .min(1)
  .max(100)
  .transform((text, context): ConversationCursor => {
    const [updatedAt = '', id] = text.split('|');
    const time = Date.parse(updatedAt);
    const inRange = time >= EARLIEST_CURSOR_TIME && time <= LATEST_CURSOR_TIME;
    if (!inRange || (id !== undefined && !uuidSchema.safeParse(id).success)) {
      context.addIssue({ code: 'custom', message: 'not a cursor returned as nextCursor' });
      return z.NEVER;
    }
    return { updatedAt: new Date(updatedAt).toISOString(), id };
  });

export const conversationListQuerySchema = z.object({
  limit: queryIntegerSchema.pipe(z.number().min(1).max(100)).default(50),
  before: conversationCursorSchema.optional(),
  /** `true`: only the message requests the caller received; otherwise they are left out. */
  requests: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .default(false),
});
export type ConversationListQuery = z.input<typeof conversationListQuerySchema>;
export type ConversationListInput = z.output<typeof conversationListQuerySchema>;

export const messageHistoryQuerySchema = z
  .object({
    limit: queryIntegerSchema.pipe(z.number().min(1).max(100)).default(50),
    before: queryIntegerSchema.pipe(seqSchema).optional(),
    after: queryIntegerSchema.pipe(seqSchema).optional(),
  })
  .refine((query) => query.before === undefined || query.after === undefined, {
    message: 'use either before or after, not both',
  });
export type MessageHistoryQuery = z.input<typeof messageHistoryQuerySchema>;
export type MessageHistoryInput = z.output<typeof messageHistoryQuerySchema>;

export const readBodySchema = z.object({ seq: seqSchema });
export type ReadBody = z.input<typeof readBodySchema>;
export type ReadInput = z.output<typeof readBodySchema>;

/** One emoji on a message and who put it there, in the order they reacted (contract section 6). */
export const reactionSchema = z.object({
  emoji: z.string(),
  userIds: z.array(uuidSchema).meta({ description: 'In the order they reacted.' }),
});
export type Reaction = z.output<typeof reactionSchema>;

/** A file attached to a message (contract section 8). */
export const attachmentSchema = z.object({
  id: uuidSchema,
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int().min(1),
  width: z.number().int().min(1).nullable(),
  height: z.number().int().min(1).nullable(),
});
export type Attachment = z.output<typeof attachmentSchema>;

export const messageSchema = z.object({
  id: uuidSchema,
  conversationId: uuidSchema,
  seq: seqSchema.meta({ description: 'Per conversation: from 1, strictly increasing, no gaps.' }),
  senderId: uuidSchema,
  clientMsgId: uuidSchema,
  content: z.string().meta({ description: 'Empty for a deleted message (a tombstone).' }),
  type: z.literal('text'),
  createdAt: timestampSchema,
  rev: seqSchema.meta({
    description:
      "The conversation's rev of this message's latest write: its send, edit, delete or " +
      'reaction change.',
  }),
  editedAt: timestampSchema.nullable(),
  deletedAt: timestampSchema.nullable(),
  replyToSeq: seqSchema.min(1).nullable(),
  mentions: z.array(uuidSchema),
  reactions: z
    .array(reactionSchema)
    .meta({ description: 'Emojis in the order first used; an emoji nobody has is left out.' }),
  attachments: z.array(attachmentSchema),
});
export type Message = z.output<typeof messageSchema>;

export const conversationMemberSchema = z.object({
  userId: uuidSchema,
  username: z.string(),
  displayName: z.string(),
  role: z.enum(memberRoles),
  /** This member's read watermark: a new device can show read ticks without waiting for events. */
  lastReadSeq: seqSchema,
  /** This member's delivered watermark. */
  lastDeliveredSeq: seqSchema,
});
export type ConversationMember = z.output<typeof conversationMemberSchema>;

export const conversationSchema = z.object({
  id: uuidSchema,
  type: z.enum(conversationTypes),
  name: z.string().nullable(),
  members: z.array(conversationMemberSchema),
  lastMessage: messageSchema.nullable(),
  lastSeq: seqSchema,
  lastRev: seqSchema.meta({ description: 'The rev of the latest message or message change.' }),
  unreadCount: z.number().int().min(0).meta({
    description: "Messages after the viewer's read watermark, not the viewer's, not deleted.",
  }),
  mentionCount: z.number().int().min(0).meta({
    description: "The viewer's unread messages (not deleted) that mention the viewer.",
  }),
  lastReadSeq: seqSchema,
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  request: z
    .boolean()
    .optional()
    .meta({
      description:
        'True while this is a message request the viewer received (contract section 9); absent ' +
        'in the `conversation:updated` sent to a whole room.',
    }),
});
export type Conversation = z.output<typeof conversationSchema>;

/** The fields of a conversation that differ per member looking at it, and are always there. */
export const viewerConversationFields = ['unreadCount', 'mentionCount', 'lastReadSeq'] as const;
/** Every per-viewer field, the optional `request` included. */
export type ViewerConversationField = (typeof viewerConversationFields)[number] | 'request';

/**
 * A conversation without the per-viewer fields: what a `conversation:updated` sent to the
 * conversation's room carries (contract v2 fan-out rules). Receivers keep their own values.
 */
export const sharedConversationSchema = conversationSchema.omit({
  unreadCount: true,
  mentionCount: true,
  lastReadSeq: true,
  request: true,
});
export type SharedConversation = z.output<typeof sharedConversationSchema>;

/**
 * The payload of `conversation:updated`: the whole conversation as the receiver sees it (sent to
 * the receiver's own room), or its shared form (sent to the conversation's room).
 */
export const conversationUpdateSchema = z.union([conversationSchema, sharedConversationSchema]);
export type ConversationUpdate = z.output<typeof conversationUpdateSchema>;

/** True when the update carries the receiver's own read state. */
export function isViewerConversation(update: ConversationUpdate): update is Conversation {
  return viewerConversationFields.every((field) => field in update);
}

export const conversationPageSchema = z.object({
  conversations: z.array(conversationSchema),
  nextCursor: z
    .string()
    .nullable()
    .meta({ description: "The next page's `before`; null on the last." }),
});
export type ConversationPage = z.output<typeof conversationPageSchema>;

export const messagePageSchema = z.object({
  messages: z.array(messageSchema).meta({ description: 'Ascending by seq.' }),
  hasMore: z.boolean(),
});
export type MessagePage = z.output<typeof messagePageSchema>;

export const readResultSchema = z.object({
  lastReadSeq: seqSchema,
  unreadCount: z.number().int().min(0),
  mentionCount: z.number().int().min(0),
});
export type ReadResult = z.output<typeof readResultSchema>;
