import { z } from 'zod';
import type { Ack } from './common.js';
import { seqSchema, uuidSchema } from './common.js';
import { messageContentSchema } from './content.js';
import type { ConversationUpdate, Message } from './conversations.js';

export const sendMessagePayloadSchema = z.object({
  conversationId: uuidSchema,
  content: messageContentSchema,
  clientMsgId: uuidSchema,
});
export type SendMessagePayload = z.input<typeof sendMessagePayloadSchema>;
export type SendMessageInput = z.output<typeof sendMessagePayloadSchema>;

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
  cursors: z.array(z.object({ conversationId: uuidSchema, seq: seqSchema })).max(5000),
  limit: z.number().int().min(1).max(SYNC_MAX_LIMIT).default(SYNC_DEFAULT_LIMIT),
});
export type SyncPayload = z.input<typeof syncPayloadSchema>;
export type SyncInput = z.output<typeof syncPayloadSchema>;

export interface SyncedConversation {
  conversationId: string;
  messages: Message[];
  hasMore: boolean;
}

export interface ReceiptUpdate {
  conversationId: string;
  userId: string;
  deliveredSeq: number;
  readSeq: number;
}

export interface UnreadUpdate {
  conversationId: string;
  unreadCount: number;
  lastReadSeq: number;
}

export interface TypingEvent {
  conversationId: string;
  userId: string;
  isTyping: boolean;
}

export interface PresenceEvent {
  userId: string;
  status: 'online' | 'offline';
  lastSeenAt: string;
}

type AckCallback<T extends object = object> = (response: Ack<T>) => void;

/** Client -> server events; every one takes an ack. */
export interface ClientToServerEvents {
  'message:send': (payload: SendMessagePayload, ack: AckCallback<{ message: Message }>) => void;
  'message:delivered': (payload: WatermarkPayload, ack: AckCallback) => void;
  'message:read': (payload: WatermarkPayload, ack: AckCallback<{ unreadCount: number }>) => void;
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
  'receipt:update': (update: ReceiptUpdate) => void;
  'conversation:updated': (conversation: ConversationUpdate) => void;
  'conversation:removed': (payload: { conversationId: string }) => void;
  'unread:update': (update: UnreadUpdate) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  resync: (payload: Record<string, never>) => void;
  'auth:expired': (payload: Record<string, never>) => void;
}

export const userRoom = (userId: string): string => `user:${userId}`;
export const conversationRoom = (conversationId: string): string =>
  `conversation:${conversationId}`;
