import { z } from 'zod';
import { ackSchemaOf, uuidSchema } from './common.js';
import { conversationUpdateSchema, messageSchema } from './conversations.js';
import {
  conversationRemovedSchema,
  deleteMessagePayloadSchema,
  editMessagePayloadSchema,
  emptyEventSchema,
  joinConversationPayloadSchema,
  presenceEventSchema,
  reactPayloadSchema,
  receiptUpdateSchema,
  sendMessagePayloadSchema,
  syncedConversationSchema,
  syncPayloadSchema,
  typingEventSchema,
  typingPayloadSchema,
  unreadUpdateSchema,
  watermarkPayloadSchema,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from './socket.js';

/** A client -> server event: what it carries and what its acknowledgement answers. */
export interface SocketCommand<Payload> {
  summary: string;
  payload: z.ZodType<unknown, Payload>;
  ack: z.ZodType;
}

/** A server -> client event: what it carries and who gets it. */
export interface SocketEvent<Payload> {
  summary: string;
  payload: z.ZodType<Payload>;
  to: string;
}

/**
 * Every client -> server event of contract section 4 with its payload and ack schemas: the
 * AsyncAPI description is generated from this table. Typed against {@link ClientToServerEvents},
 * so an event added there and not here (or the other way round) does not compile.
 */
export const socketCommands: {
  [Event in keyof ClientToServerEvents]: SocketCommand<Parameters<ClientToServerEvents[Event]>[0]>;
} = {
  'message:send': {
    summary:
      'Sends a message; acked once it is committed. The same (sender, clientMsgId) again ' +
      'answers the same message, without a second copy or broadcast.',
    payload: sendMessagePayloadSchema,
    ack: ackSchemaOf({ message: messageSchema }),
  },
  'message:edit': {
    summary:
      'Replaces the text (and mentions) of one of the caller’s messages; the message takes the ' +
      'next rev. Not the sender: FORBIDDEN; a deleted message: VALIDATION.',
    payload: editMessagePayloadSchema,
    ack: ackSchemaOf({ message: messageSchema }),
  },
  'message:delete': {
    summary:
      'Turns a message into a tombstone (the sender, or a group’s owner/admin). Deleting twice ' +
      'answers the same tombstone.',
    payload: deleteMessagePayloadSchema,
    ack: ackSchemaOf({ message: messageSchema }),
  },
  'message:react': {
    summary:
      'Puts the caller’s reaction on a message, or takes it back; a change that changes ' +
      'nothing answers the message as it is.',
    payload: reactPayloadSchema,
    ack: ackSchemaOf({ message: messageSchema }),
  },
  'message:delivered': {
    summary: "Moves the caller's delivered watermark.",
    payload: watermarkPayloadSchema,
    ack: ackSchemaOf({}),
  },
  'message:read': {
    summary: "Moves the caller's read watermark.",
    payload: watermarkPayloadSchema,
    ack: ackSchemaOf({
      unreadCount: z.number().int().min(0),
      mentionCount: z.number().int().min(0),
    }),
  },
  'conversation:join': {
    summary: 'Puts this socket into the room of a conversation the caller is a member of.',
    payload: joinConversationPayloadSchema,
    ack: ackSchemaOf({}),
  },
  typing: {
    summary: 'Tells the conversation that the caller is typing, or stopped.',
    payload: typingPayloadSchema,
    ack: ackSchemaOf({}),
  },
  sync: {
    summary:
      'Every message after each cursor, oldest first; conversations the client did not list ' +
      'come with their latest messages. A cursor with a rev also gets the changes it missed.',
    payload: syncPayloadSchema,
    ack: ackSchemaOf({
      conversations: z.array(syncedConversationSchema),
      removed: z.array(uuidSchema).meta({ description: 'Conversations the user left.' }),
    }),
  },
};

/** Every server -> client event of contract section 4, typed like {@link socketCommands}. */
export const socketEvents: {
  [Event in keyof ServerToClientEvents]: SocketEvent<Parameters<ServerToClientEvents[Event]>[0]>;
} = {
  'message:new': {
    summary: 'A new message.',
    payload: messageSchema,
    to: 'conversation:{id}, all of the sender’s sockets included',
  },
  'message:updated': {
    summary: 'A message was edited, deleted or reacted to: its whole new state.',
    payload: messageSchema,
    to: 'conversation:{id}',
  },
  'receipt:update': {
    summary: "A member's delivered and read watermarks moved.",
    payload: receiptUpdateSchema,
    to: 'conversation:{id}',
  },
  'conversation:updated': {
    summary:
      'A conversation changed: to its room without the per-viewer fields, to one user as that ' +
      'user sees it.',
    payload: conversationUpdateSchema,
    to: 'conversation:{id}, or one member’s user:{id}',
  },
  'conversation:removed': {
    summary: 'The user is no longer a member.',
    payload: conversationRemovedSchema,
    to: 'the removed user’s user:{id}',
  },
  'unread:update': {
    summary:
      "The member's own unread or mention count changed: a read on another device, or a " +
      'deleted message that counted.',
    payload: unreadUpdateSchema,
    to: 'the member’s user:{id}',
  },
  typing: {
    summary: 'Someone is typing, or stopped; not stored.',
    payload: typingEventSchema,
    to: 'conversation:{id} except the typing socket',
  },
  presence: {
    summary:
      'A peer went online or offline. Right after `connect` (never before it) the socket gets ' +
      'one for each peer who is online now.',
    payload: presenceEventSchema,
    to: 'users who share a conversation with that user and may see their presence',
  },
  resync: {
    summary: 'The socket may have missed live events: call `sync` now.',
    payload: emptyEventSchema,
    to: 'a socket that may have missed events',
  },
  'auth:expired': {
    summary:
      'The access token expired; the server disconnects the socket next. Refresh, reconnect, sync.',
    payload: emptyEventSchema,
    to: 'the socket whose token expired',
  },
};
