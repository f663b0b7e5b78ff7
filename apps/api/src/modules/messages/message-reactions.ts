import type { Reaction } from '@parley/protocol';

/**
 * The reactions after `userId` put `emoji` on (`on`) or took it back, from the reactions before:
 * a new emoji goes last (its rev is the newest), a reactor goes last among its emoji's, and an
 * emoji without reactors disappears, as the rows the change writes say.
 */
export function applyReaction(
  before: Reaction[],
  change: { userId: string; emoji: string; on: boolean },
): Reaction[] {
  const { userId, emoji, on } = change;
  if (on) {
    const present = before.some((reaction) => reaction.emoji === emoji);
    if (!present) return [...before, { emoji, userIds: [userId] }];
    return before.map((reaction) =>
      reaction.emoji === emoji && !reaction.userIds.includes(userId)
        ? { emoji, userIds: [...reaction.userIds, userId] }
        : reaction,
    );
  }
  return before
    .map((reaction) =>
      reaction.emoji === emoji
        ? { emoji, userIds: reaction.userIds.filter((id) => id !== userId) }
        : reaction,
    )
    .filter((reaction) => reaction.userIds.length > 0);
}
