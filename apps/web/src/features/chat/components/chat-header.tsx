import type { Conversation } from '@parley/protocol';
import type { ReactNode } from 'react';
import { Avatar } from '@/components/ui/avatar';
import { IconButton } from '@/components/ui/button';
import { BackIcon } from '@/components/ui/icons';
import { usePresenceStore } from '@/stores/presence-store';
import { conversationTitle, directPeer } from '@/utils/conversation-title';
import { formatLastSeen } from '@/utils/format-time';
import { useTypists } from '../stores/typing-store';
import { typingText } from '../utils/typing-text';

export interface ChatHeaderProps {
  conversation: Conversation;
  ownUserId: string;
  onBack: () => void;
  actions?: ReactNode;
}

export function ChatHeader({ conversation, ownUserId, onBack, actions }: ChatHeaderProps) {
  const title = conversationTitle(conversation, ownUserId);
  const peer = directPeer(conversation, ownUserId);
  const presence = usePresenceStore((state) => state.byUserId);
  const typists = useTypists(conversation.id);
  const typingNames = Object.keys(typists)
    .map((userId) => conversation.members.find((member) => member.userId === userId)?.displayName)
    .filter((name): name is string => name !== undefined);
  const typing = typingText(typingNames);

  let subtitle: string;
  if (peer) {
    const peerPresence = presence[peer.userId];
    subtitle = peerPresence?.online
      ? 'online'
      : peerPresence?.lastSeenAt
        ? formatLastSeen(peerPresence.lastSeenAt)
        : `@${peer.username}`;
  } else {
    const count = conversation.members.length;
    const online = conversation.members.filter(
      (member) => member.userId !== ownUserId && presence[member.userId]?.online,
    ).length;
    subtitle = `${count} ${count === 1 ? 'member' : 'members'}${online > 0 ? `, ${online} online` : ''}`;
  }

  return (
    <header className="flex h-16 shrink-0 items-center gap-2 border-b border-slate-200 bg-white px-2 md:px-4">
      <IconButton label="Back to conversations" onClick={onBack} className="md:hidden">
        <BackIcon />
      </IconButton>
      <Avatar
        name={title}
        seed={peer?.userId ?? conversation.id}
        size="sm"
        online={peer ? (presence[peer.userId]?.online ?? false) : undefined}
      />
      <div className="flex min-w-0 flex-1 flex-col">
        <h2 className="truncate text-base leading-tight font-semibold text-slate-900">
          <bdi>{title}</bdi>
        </h2>
        <p aria-live="polite" className="truncate text-[13px] leading-tight">
          {typing ? (
            <span className="text-blue-700">
              {typing.map((part, index) =>
                typeof part === 'string' ? part : <bdi key={index}>{part.name}</bdi>,
              )}
            </span>
          ) : (
            <span className={subtitle === 'online' ? 'text-blue-700' : 'text-slate-600'}>
              {subtitle}
            </span>
          )}
        </p>
      </div>
      {actions}
    </header>
  );
}
