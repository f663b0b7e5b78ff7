import type { ConversationMember, Message } from '@parley/protocol';

/** One chip under a bubble: an emoji, how many reacted with it, whether we did, and who. */
export interface ReactionChip {
  emoji: string;
  count: number;
  mine: boolean;
  /** Display names of the reactors, in the order they reacted ("You" for us). */
  names: string[];
}

/** The quick reactions offered first; the full set comes from the emoji data package. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/** A message's reactions as chips, in the server's order (the order each emoji was first used). */
export function reactionChips(
  message: Message,
  ownUserId: string,
  members: readonly ConversationMember[],
): ReactionChip[] {
  const names = new Map(members.map((member) => [member.userId, member.displayName]));
  return message.reactions.map((reaction) => ({
    emoji: reaction.emoji,
    count: reaction.userIds.length,
    mine: reaction.userIds.includes(ownUserId),
    names: reaction.userIds.map((userId) =>
      userId === ownUserId ? 'You' : (names.get(userId) ?? 'Former member'),
    ),
  }));
}

/** What choosing `emoji` asks for: on when we have not reacted with it yet, off when we have. */
export function reactionToggle(message: Message, emoji: string, ownUserId: string): boolean {
  const reaction = message.reactions.find((each) => each.emoji === emoji);
  return !reaction?.userIds.includes(ownUserId);
}

const REDUNDANT_VARIATION_SELECTOR = /(\p{Emoji_Presentation})\uFE0F/gu;

/**
 * The emoji in its fully qualified form: without a U+FE0F after a character that is shown as an
 * emoji anyway. Data sets disagree on it (👍 vs 👍 + FE0F), and the server keeps reactions by
 * their exact text: one form per emoji keeps one chip per emoji.
 */
export function canonicalEmoji(emoji: string): string {
  return emoji.replace(REDUNDANT_VARIATION_SELECTOR, '$1');
}
