import type { ConversationMember, Message } from '@parley/protocol';

export const DELETED_TEXT = 'This message was deleted';

/** How a reply shows the message it answers: who wrote it and the start of its text. */
export interface QuotedMessage {
  senderName: string;
  snippet: string;
  deleted: boolean;
}

/** Characters of the quoted text shown (the strip truncates it further to its width). */
const SNIPPET_CODE_POINTS = 120;

/** The quote of `message`; undefined while it loads, null when the server has none to show. */
export function quoteOf(
  message: Message | null | undefined,
  members: readonly ConversationMember[],
  ownUserId: string,
): QuotedMessage {
  if (message === undefined) return { senderName: '', snippet: 'Loading…', deleted: false };
  if (message === null) {
    return { senderName: '', snippet: 'The original message is not available', deleted: true };
  }
  const senderName =
    message.senderId === ownUserId
      ? 'You'
      : (members.find((member) => member.userId === message.senderId)?.displayName ??
        'Former member');
  if (message.deletedAt !== null) return { senderName, snippet: DELETED_TEXT, deleted: true };
  const flat = message.content.replace(/\s+/gu, ' ');
  const codePoints = [...flat];
  const snippet =
    codePoints.length > SNIPPET_CODE_POINTS
      ? `${codePoints.slice(0, SNIPPET_CODE_POINTS).join('')}…`
      : flat;
  return { senderName, snippet, deleted: false };
}
