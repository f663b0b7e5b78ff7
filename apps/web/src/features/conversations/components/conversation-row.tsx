import type { Conversation } from '@parley/protocol';
import { memo } from 'react';
import { Avatar } from '@/components/ui/avatar';
import { useIsOnline } from '@/stores/presence-store';
import { cn } from '@/utils/cn';
import { conversationTitle, directPeer } from '@/utils/conversation-title';
import { formatRowTime } from '@/utils/format-time';

export interface ConversationRowProps {
  conversation: Conversation;
  ownUserId: string;
  selected: boolean;
}

interface Preview {
  sender?: string;
  text: string;
}

function previewOf(conversation: Conversation, ownUserId: string): Preview {
  const message = conversation.lastMessage;
  if (!message)
    return { text: conversation.type === 'group' ? 'Group created' : 'No messages yet' };
  // A deleted message never shows its old text, whatever a stale copy held.
  const text =
    message.deletedAt !== null ? 'Message deleted' : message.content.replace(/\s+/g, ' ');
  if (message.senderId === ownUserId) return { sender: 'You', text };
  if (conversation.type === 'group') {
    const sender = conversation.members.find((member) => member.userId === message.senderId);
    return { sender: sender?.displayName ?? 'Someone', text };
  }
  return { text };
}

/** Each piece of user text in its own isolate: a message cannot reorder the row around it. */
function PreviewText({ preview }: { preview: Preview }) {
  return (
    <>
      {preview.sender !== undefined && (
        <>
          <bdi>{preview.sender}</bdi>:{' '}
        </>
      )}
      <bdi>{preview.text}</bdi>
    </>
  );
}

/** One conversation in the list: a link to `#/c/<id>` with name, preview, time and unread. */
export const ConversationRow = memo(function ConversationRow({
  conversation,
  ownUserId,
  selected,
}: ConversationRowProps) {
  const title = conversationTitle(conversation, ownUserId);
  const peer = directPeer(conversation, ownUserId);
  const online = useIsOnline(peer?.userId);
  const time = conversation.lastMessage?.createdAt ?? conversation.updatedAt;
  const unread = conversation.unreadCount;
  const mentions = conversation.mentionCount;

  return (
    <a
      href={`#/c/${conversation.id}`}
      aria-current={selected ? 'page' : undefined}
      className={cn(
        'flex items-center gap-3 rounded-xl px-3 py-2.5 transition-colors outline-none focus-visible:ring-2 focus-visible:ring-blue-500 focus-visible:ring-inset',
        selected ? 'bg-blue-600 text-white' : 'hover:bg-slate-100',
      )}
    >
      <Avatar
        name={title}
        seed={peer?.userId ?? conversation.id}
        online={conversation.type === 'direct' ? online : undefined}
        className={selected ? '[&>span:last-child]:ring-blue-600' : undefined}
      />
      <span className="flex min-w-0 flex-1 flex-col gap-0.5">
        <span className="flex items-baseline gap-2">
          <span className="min-w-0 flex-1 truncate font-semibold">
            <bdi>{title}</bdi>
          </span>
          <time
            dateTime={time}
            className={cn('shrink-0 text-xs', selected ? 'text-blue-100' : 'text-slate-600')}
          >
            {formatRowTime(time)}
          </time>
        </span>
        <span className="flex items-center gap-2">
          <span
            className={cn(
              'min-w-0 flex-1 truncate text-sm',
              selected ? 'text-blue-50' : 'text-slate-600',
            )}
          >
            <PreviewText preview={previewOf(conversation, ownUserId)} />
          </span>
          {mentions > 0 && (
            <span
              role="status"
              // One pattern for every count, which outside checks look for ("1 mentions").
              aria-label={`${mentions} mentions`}
              title={`${mentions} ${mentions === 1 ? 'mention' : 'mentions'}`}
              className={cn(
                'inline-flex h-5 min-w-5 shrink-0 items-center justify-center gap-0.5 rounded-full px-1.5 text-xs font-bold',
                selected ? 'bg-white text-blue-700' : 'bg-amber-500 text-white',
              )}
            >
              @{mentions > 1 && <span>{mentions > 99 ? '99+' : mentions}</span>}
              <span className="sr-only"> mentions</span>
            </span>
          )}
          {unread > 0 && (
            <span
              role="status"
              aria-label={`${unread} unread`}
              className={cn(
                'inline-flex h-5 min-w-5 shrink-0 items-center justify-center rounded-full px-1.5 text-xs font-semibold',
                selected ? 'bg-white text-blue-700' : 'bg-blue-600 text-white',
              )}
            >
              {unread > 999 ? '999+' : unread}
              <span className="sr-only"> unread</span>
            </span>
          )}
        </span>
      </span>
    </a>
  );
});
