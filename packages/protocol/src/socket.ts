import { z } from 'zod';
import type { Ack } from './common.js';
import { seqSchema, timestampSchema, uuidSchema } from './common.js';
import { messageContentSchema } from './content.js';
import { reactionEmojiSchema } from './reactions.js';
import {
  MAX_GROUP_MEMBERS,
  messageSchema,
  type ConversationUpdate,
  type Message,
} from './conversations.js';

/** RFC 9562's nil UUID: no client can have chosen it for one message of its own. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** A UUID the client chose for one message (any version, not the nil UUID). */
export const clientMsgIdSchema = uuidSchema
  .refine((id) => id !== NIL_UUID, 'clientMsgId must not be the nil UUID')
  .meta({ description: 'Any RFC 9562 UUID version but the nil UUID.', not: { const: NIL_UUID } });

/** Mentions never counted for one message: duplicates and the sender are dropped first. */
export const MAX_MENTIONS = 50;

/**
 * The members a message mentions, duplicates dropped. The server drops the sender and then
 * allows at most {@link MAX_MENTIONS}; the raw list is bounded by a group's size.
 */
export const mentionsSchema = z
  .array(uuidSchema)
  .max(MAX_GROUP_MEMBERS)
  .transform((userIds) => [...new Set(userIds)])
  .meta({
    description:
      'Members of the conversation; duplicates and the sender are dropped, then at most 50 remain.',
  });

export const sendMessagePayloadSchema = z.object({
  conversationId: uuidSchema,
  content: messageContentSchema.meta({
    description:
      'Plain text: control characters are removed and the rest trimmed, then 1-4000 code points.',
  }),
  clientMsgId: clientMsgIdSchema,
  replyToSeq: seqSchema
    .min(1)
    .optional()
    .meta({ description: 'The seq of an earlier message of this conversation that this answers.' }),
  mentions: mentionsSchema.optional(),
});
export type SendMessagePayload = z.input<typeof sendMessagePayloadSchema>;
export type SendMessageInput = z.output<typeof sendMessagePayloadSchema>;

/** Which message a change is for. */
const messageTarget = { conversationId: uuidSchema, seq: seqSchema.min(1) };

export const editMessagePayloadSchema = z.object({
  ...messageTarget,
  content: messageContentSchema,
  mentions: mentionsSchema
    .optional()
    .meta({ description: 'Replaces the mentions; left out, the edited message mentions nobody.' }),
});
export type EditMessagePayload = z.input<typeof editMessagePayloadSchema>;
export type EditMessageInput = z.output<typeof editMessagePayloadSchema>;

export const deleteMessagePayloadSchema = z.object(messageTarget);
export type DeleteMessagePayload = z.input<typeof deleteMessagePayloadSchema>;
export type DeleteMessageInput = z.output<typeof deleteMessagePayloadSchema>;

export const reactPayloadSchema = z.object({
  ...messageTarget,
  emoji: reactionEmojiSchema,
  on: z.boolean().meta({ description: 'true puts the reaction on, false takes it back.' }),
});
export type ReactPayload = z.input<typeof reactPayloadSchema>;
export type ReactInput = z.output<typeof reactPayloadSchema>;

export const watermarkPayloadSchema = z.object({ conversationId: uuidSchema, seq: seqSchema });
export type WatermarkPayload = z.input<typeof watermarkPayloadSchema>;
export type WatermarkInput = z.output<typeof watermarkPayloadSchema>;

export const joinConversationPayloadSchema = z.object({ conversationId: uuidSchema });
export type JoinConversationPayload = z.input<typeof joinConversationPayloadSchema>;
export type JoinConversationInput = z.output<typeof joinConversationPayloadSchema>;

export const typingPayloadSchema = z.object({ conversationId: uuidSchema, isTyping: z.boolean() });
export type TypingPayload = z.input<typeof typingPayloadSchema>;
export type TypingInput = z.output<typeof typingPayloadSchema>;

export const SYNC_DEFAULT_LIMIT = 100;
export const SYNC_MAX_LIMIT = 500;

export const syncPayloadSchema = z.object({
  cursors: z
    .array(
      z.object({
        conversationId: uuidSchema,
        seq: seqSchema,
        rev: seqSchema
          .optional()
          .meta({ description: 'The highest rev the client holds; left out, no `updated`.' }),
      }),
    )
    .max(5000),
  limit: z.number().int().min(1).max(SYNC_MAX_LIMIT).default(SYNC_DEFAULT_LIMIT),
});
export type SyncPayload = z.input<typeof syncPayloadSchema>;
export type SyncInput = z.output<typeof syncPayloadSchema>;

export const syncedConversationSchema = z.object({
  conversationId: uuidSchema,
  messages: z.array(messageSchema).meta({ description: 'After the cursor, oldest first.' }),
  hasMore: z.boolean(),
  updated: z.array(messageSchema).meta({
    description:
      "Messages with seq <= the cursor's seq and rev > the cursor's rev, ascending by rev; " +
      'empty for a cursor without rev.',
  }),
  hasMoreUpdated: z.boolean(),
});
export type SyncedConversation = z.output<typeof syncedConversationSchema>;

export const receiptUpdateSchema = z.object({
  conversationId: uuidSchema,
  userId: uuidSchema,
  deliveredSeq: seqSchema,
  readSeq: seqSchema,
});
export type ReceiptUpdate = z.output<typeof receiptUpdateSchema>;

export const unreadUpdateSchema = z.object({
  conversationId: uuidSchema,
  unreadCount: z.number().int().min(0),
  mentionCount: z.number().int().min(0),
  lastReadSeq: seqSchema,
});
export type UnreadUpdate = z.output<typeof unreadUpdateSchema>;

export const typingEventSchema = z.object({
  conversationId: uuidSchema,
  userId: uuidSchema,
  isTyping: z.boolean(),
});
export type TypingEvent = z.output<typeof typingEventSchema>;

export const presenceEventSchema = z.object({
  userId: uuidSchema,
  status: z.enum(['online', 'offline']),
  lastSeenAt: timestampSchema,
});
export type PresenceEvent = z.output<typeof presenceEventSchema>;

export const conversationRemovedSchema = z.object({ conversationId: uuidSchema });

/** The payload of the signal-only events (`resync`, `auth:expired`). */
export const emptyEventSchema = z.object({});

type AckCallback<T extends object = object> = (response: Ack<T>) => void;

/** Client -> server events; every one takes an ack. */
export interface ClientToServerEvents {
  'message:send': (payload: SendMessagePayload, ack: AckCallback<{ message: Message }>) => void;
  'message:edit': (payload: EditMessagePayload, ack: AckCallback<{ message: Message }>) => void;
  'message:delete': (payload: DeleteMessagePayload, ack: AckCallback<{ message: Message }>) => void;
  'message:react': (payload: ReactPayload, ack: AckCallback<{ message: Message }>) => void;
  'message:delivered': (payload: WatermarkPayload, ack: AckCallback) => void;
  'message:read': (
    payload: WatermarkPayload,
    ack: AckCallback<{ unreadCount: number; mentionCount: number }>,
  ) => void;
  'conversation:join': (payload: JoinConversationPayload, ack: AckCallback) => void;
  typing: (payload: TypingPayload, ack: AckCallback) => void;
  sync: (
    payload: SyncPayload,
    ack: AckCallback<{ conversations: SyncedConversation[]; removed: string[] }>,
  ) => void;
}

/** Server -> client events. */
export interface ServerToClientEvents {
  'message:new': (message: Message) => void;
  'message:updated': (message: Message) => void;
  'receipt:update': (update: ReceiptUpdate) => void;
  'conversation:updated': (conversation: ConversationUpdate) => void;
  'conversation:removed': (payload: z.output<typeof conversationRemovedSchema>) => void;
  'unread:update': (update: UnreadUpdate) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  resync: (payload: Record<string, never>) => void;
  'auth:expired': (payload: Record<string, never>) => void;
}

export const userRoom = (userId: string): string => `user:${userId}`;
export const conversationRoom = (conversationId: string): string =>
  `conversation:${conversationId}`;
