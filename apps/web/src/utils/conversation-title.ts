import type { Conversation, ConversationMember } from '@parley/protocol';

/** The other person of a direct conversation (null for groups, or a chat with oneself gone). */
export function directPeer(
  conversation: Conversation,
  ownUserId: string | null,
): ConversationMember | null {
  if (conversation.type !== 'direct') return null;
  return conversation.members.find((member) => member.userId !== ownUserId) ?? null;
}

/** What a conversation is called: the group's name, or the other person's display name. */
export function conversationTitle(conversation: Conversation, ownUserId: string | null): string {
  if (conversation.type === 'group') return conversation.name ?? 'Unnamed group';
  return directPeer(conversation, ownUserId)?.displayName ?? 'Direct chat';
}
