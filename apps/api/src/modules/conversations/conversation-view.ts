import type {
  Conversation,
  ConversationMember,
  Message,
  SharedConversation,
} from '@parley/protocol';

/** A conversation row as the view queries return it; numbers may come back as strings. */
export interface ConversationViewRow {
  id: string;
  type: 'direct' | 'group';
  name: string | null;
  last_seq: number | string;
  last_read_seq: number | string;
  request_state: 'pending' | 'declined' | null;
  created_at: Date | string;
  updated_at: Date | string;
  members: ConversationMember[] | string;
  last_message: MessageJson | null | string;
}

/** A message as `json_build_object` renders it: timestamps keep PostgreSQL's offset form. */
export type MessageJson = Message;

const parseJson = <T>(value: T | string): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : value;

export const toIsoString = (value: Date | string): string => new Date(value).toISOString();

export function toMessage(json: MessageJson): Message {
  return { ...json, seq: Number(json.seq), createdAt: toIsoString(json.createdAt) };
}

export function toConversation(row: ConversationViewRow): Conversation {
  const lastSeq = Number(row.last_seq);
  const lastReadSeq = Number(row.last_read_seq);
  const lastMessage = parseJson(row.last_message);
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    members: parseJson(row.members),
    lastMessage: lastMessage ? toMessage(lastMessage) : null,
    lastSeq,
    unreadCount: Math.max(0, lastSeq - lastReadSeq),
    lastReadSeq,
    createdAt: toIsoString(row.created_at),
    updatedAt: toIsoString(row.updated_at),
    request: row.request_state === 'pending',
  };
}

/** The same conversation as another member sees it: only the read state differs. */
export function asSeenBy(conversation: Conversation, lastReadSeq: number): Conversation {
  return {
    ...conversation,
    lastReadSeq,
    unreadCount: Math.max(0, conversation.lastSeq - lastReadSeq),
  };
}

/** The conversation without what differs per viewer: one payload for the whole room. */
export function sharedView(conversation: Conversation): SharedConversation {
  const {
    unreadCount: _unreadCount,
    lastReadSeq: _lastReadSeq,
    request: _request,
    ...shared
  } = conversation;
  return shared;
}
