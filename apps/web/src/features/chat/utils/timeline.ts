import type { ConversationMember, Message } from '@parley/protocol';
import { dayKey, formatDay } from '@/utils/format-time';

/** Messages of one sender this close together form a run: one name, tighter spacing. */
const RUN_GAP_MS = 5 * 60 * 1000;

/** One of our messages without a seq yet: in the SDK's outbox, or refused by the server. */
export interface PendingMessage {
  key: string;
  /** The outbox entry's id (null for a refused one): matches the message once stored. */
  clientMsgId: string | null;
  /** The id of a refused message in the rejected-sends store (null for an outbox entry). */
  rejectedId: string | null;
  content: string;
  /** The message it answers, shown quoted above it. */
  replyToSeq: number | null;
  queuedAt: string;
  failed: boolean;
  /** Why it failed, when the server said. */
  error: string | null;
}

/** A stored message as the chat draws it. */
export interface StoredMessageItem {
  message: Message;
  own: boolean;
  /** The sender's display name ("Former member" once they left). */
  senderName: string;
  /** Groups: someone else's message, drawn with the sender's avatar and name. */
  fromGroupPeer: boolean;
  /** Continues a run of the same sender: drawn closer to the one before, without a name. */
  continuesRun: boolean;
  /** The last of its run: carries the avatar and the bubble's tail. */
  endsRun: boolean;
}

export type TimelineItem =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'unread'; key: string }
  | ({ kind: 'message'; key: string } & StoredMessageItem)
  | {
      kind: 'pending';
      key: string;
      pending: PendingMessage;
      continuesRun: boolean;
      endsRun: boolean;
    };

export interface TimelineOptions {
  ownUserId: string;
  isGroup: boolean;
  members: readonly ConversationMember[];
  /** Messages above this seq from others were unread when the chat was opened. */
  unreadAfterSeq: number | null;
  now?: Date;
}

/**
 * The rows of the chat: messages ascending by seq with day separators, the "unread messages"
 * marker, sender names in groups, then our messages the server has not confirmed yet.
 */
export function buildTimeline(
  messages: readonly Message[],
  pending: readonly PendingMessage[],
  options: TimelineOptions,
): TimelineItem[] {
  const names = new Map(options.members.map((member) => [member.userId, member.displayName]));
  const items: TimelineItem[] = [];
  let previousDay: string | null = null;
  let previous: { senderId: string; time: number } | null = null;
  let unreadPlaced = false;

  const placeDay = (iso: string) => {
    const day = dayKey(iso);
    if (day === previousDay) return false;
    previousDay = day;
    items.push({ kind: 'day', key: `day-${day}`, label: formatDay(iso, options.now) });
    return true;
  };

  for (const message of messages) {
    const own = message.senderId === options.ownUserId;
    let newBlock = placeDay(message.createdAt);
    if (
      !unreadPlaced &&
      !own &&
      options.unreadAfterSeq !== null &&
      message.seq > options.unreadAfterSeq
    ) {
      unreadPlaced = true;
      newBlock = true;
      items.push({ kind: 'unread', key: 'unread' });
    }
    const time = Date.parse(message.createdAt);
    const continuesRun =
      !newBlock &&
      previous !== null &&
      previous.senderId === message.senderId &&
      time - previous.time < RUN_GAP_MS;
    items.push({
      kind: 'message',
      key: `m-${message.seq}`,
      message,
      own,
      senderName: own ? 'You' : (names.get(message.senderId) ?? 'Former member'),
      fromGroupPeer: options.isGroup && !own,
      continuesRun,
      endsRun: true,
    });
    previous = { senderId: message.senderId, time };
  }

  const confirmed = new Set(messages.map((message) => message.clientMsgId));
  for (const entry of pending) {
    if (entry.clientMsgId !== null && confirmed.has(entry.clientMsgId)) continue;
    const newBlock = placeDay(entry.queuedAt);
    const continuesRun = !newBlock && previous?.senderId === options.ownUserId;
    items.push({ kind: 'pending', key: entry.key, pending: entry, continuesRun, endsRun: true });
    previous = { senderId: options.ownUserId, time: Date.parse(entry.queuedAt) };
  }
  // A run ends where the next row does not continue it.
  for (let index = 0; index < items.length - 1; index++) {
    const item = items[index]!;
    const next = items[index + 1]!;
    if ((item.kind === 'message' || item.kind === 'pending') && 'continuesRun' in next) {
      item.endsRun = !next.continuesRun;
    }
  }
  return items;
}
