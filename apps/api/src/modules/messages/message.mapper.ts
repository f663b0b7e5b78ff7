import type { Message, Reaction } from '@parley/protocol';
import type { messages } from '../../database/schema.js';

/** A message as the query builder returns it. */
type MessageRecord = typeof messages.$inferSelect;

/**
 * A `messages` row as raw SQL returns it (`select *`, `returning *`). Its time is a Date or
 * PostgreSQL's text, depending on the driver and on whether the statement is a prepared one.
 */
export interface MessageColumns {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  content: string;
  type: 'text';
  created_at: Date | string;
  rev: number;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
  reply_to_seq: number | null;
  mentions: string[];
  /** Read alongside by `reactionsOf`; a statement that reads none means none (a new message). */
  reactions?: Reaction[];
}

/**
 * The one `Message` of the wire, from any shape a query returns a message in: a query builder
 * row, a raw row, or `json_build_object` output (a `Message` whose time keeps PostgreSQL's
 * offset form).
 */
export function toMessage(row: MessageRecord | MessageColumns | Message): Message {
  if ('conversation_id' in row) {
    return {
      id: row.id,
      conversationId: row.conversation_id,
      seq: row.seq,
      senderId: row.sender_id,
      clientMsgId: row.client_msg_id,
      content: row.content,
      type: row.type,
      createdAt: toIsoString(row.created_at),
      rev: row.rev,
      editedAt: toIsoStringOrNull(row.edited_at),
      deletedAt: toIsoStringOrNull(row.deleted_at),
      replyToSeq: row.reply_to_seq,
      mentions: row.mentions,
      reactions: row.reactions ?? [],
      attachments: [],
    };
  }
  return {
    id: row.id,
    conversationId: row.conversationId,
    seq: row.seq,
    senderId: row.senderId,
    clientMsgId: row.clientMsgId,
    content: row.content,
    type: row.type,
    createdAt: toIsoString(row.createdAt),
    rev: row.rev,
    editedAt: toIsoStringOrNull(row.editedAt),
    deletedAt: toIsoStringOrNull(row.deletedAt),
    replyToSeq: row.replyToSeq,
    mentions: row.mentions,
    reactions: 'reactions' in row ? row.reactions : [],
    attachments: 'attachments' in row ? row.attachments : [],
  };
}

export const toIsoString = (value: Date | string): string => new Date(value).toISOString();

const toIsoStringOrNull = (value: Date | string | null): string | null =>
  value === null ? null : toIsoString(value);
