import {
  type Conversation,
  type ConversationMember,
  type ConversationType,
  type Message,
  type SharedConversation,
} from '@parley/protocol';
import { toIsoString, toMessage } from '../messages/message.mapper.js';

/** A conversation row as the view queries return it. */
export interface ConversationViewRow {
  id: string;
  type: ConversationType;
  name: string | null;
  last_seq: number;
  last_rev: number;
  last_read_seq: number;
  /** Exact counts: `readCountColumns`. */
  unread_count: number;
  mention_count: number;
  request_state: 'pending' | 'declined' | null;
  created_at: Date | string;
  updated_at: Date | string;
  members: ConversationMember[];
  /** `json_build_object` output. */
  last_message: Message | null;
}

export function toConversation(row: ConversationViewRow): Conversation {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    members: row.members,
    lastMessage: row.last_message ? toMessage(row.last_message) : null,
    lastSeq: row.last_seq,
    lastRev: row.last_rev,
    unreadCount: row.unread_count,
    mentionCount: row.mention_count,
    lastReadSeq: row.last_read_seq,
    createdAt: toIsoString(row.created_at),
    updatedAt: toIsoString(row.updated_at),
    request: row.request_state === 'pending',
  };
}

/** The conversation without what differs per viewer: one payload for the whole room. */
export function sharedView(conversation: Conversation): SharedConversation {
  const {
    unreadCount: _unreadCount,
    mentionCount: _mentionCount,
    lastReadSeq: _lastReadSeq,
    request: _request,
    ...shared
  } = conversation;
  return shared;
}
