import { memo, type ReactNode } from 'react';
import { Avatar } from '@/components/ui/avatar';
import { AlertIcon } from '@/components/ui/icons';
import { cn } from '@/utils/cn';
import { personColor } from '@/utils/person-color';
import { formatClock } from '@/utils/format-time';
import type { DeliveryStatus } from '../utils/delivery-status';
import type { PendingMessage, StoredMessageItem } from '../utils/timeline';
import { MessageStatus } from './message-status';
import { MessageText } from './message-text';

interface BubbleFrameProps {
  own: boolean;
  continuesRun: boolean;
  endsRun: boolean;
  senderName: string;
  /** In groups, others' messages carry the sender's avatar and (first of a run) name. */
  groupSender?: { id: string } | null;
  content: string;
  meta: ReactNode;
  footer?: ReactNode;
}

function BubbleFrame({
  own,
  continuesRun,
  endsRun,
  senderName,
  groupSender,
  content,
  meta,
  footer,
}: BubbleFrameProps) {
  return (
    <li
      className={cn(
        'flex items-end gap-2 px-3 md:px-6',
        own ? 'justify-end' : 'justify-start',
        continuesRun ? 'mt-0.5' : 'mt-2',
      )}
    >
      {groupSender &&
        (endsRun ? (
          <Avatar name={senderName} seed={groupSender.id} size="xs" />
        ) : (
          <span aria-hidden="true" className="w-8 shrink-0" />
        ))}
      <div
        className={cn(
          'relative max-w-[min(85%,36rem)] rounded-2xl px-3 pt-1.5 pb-1 text-[15px] leading-snug text-slate-900 shadow-[0_1px_1px_rgba(15,23,42,0.12)]',
          own ? 'bg-[#dcf8c6]' : 'bg-white',
          endsRun && (own ? 'rounded-br-md' : 'rounded-bl-md'),
        )}
      >
        <span className="sr-only">
          <bdi>{senderName}</bdi>:{' '}
        </span>
        {groupSender && !continuesRun && (
          <p
            aria-hidden="true"
            className={cn('mb-0.5 text-[13px] font-semibold', personColor(groupSender.id).text)}
          >
            <bdi>{senderName}</bdi>
          </p>
        )}
        <MessageText content={content} />
        <span className="relative top-1.5 float-right ml-3 inline-flex items-center gap-1 text-[11px] leading-4 whitespace-nowrap text-slate-600">
          {meta}
        </span>
        {footer}
      </div>
    </li>
  );
}

export interface MessageBubbleProps extends StoredMessageItem {
  status: DeliveryStatus | null;
}

/** A message the server stored; ours carry sent / delivered / read ticks. */
export const MessageBubble = memo(function MessageBubble({
  message,
  own,
  senderName,
  fromGroupPeer,
  continuesRun,
  endsRun,
  status,
}: MessageBubbleProps) {
  return (
    <BubbleFrame
      own={own}
      continuesRun={continuesRun}
      endsRun={endsRun}
      senderName={senderName}
      groupSender={fromGroupPeer ? { id: message.senderId } : null}
      content={message.content}
      meta={
        <>
          <time dateTime={message.createdAt}>{formatClock(message.createdAt)}</time>
          {own && status && <MessageStatus status={status} />}
        </>
      }
    />
  );
});

export interface PendingBubbleProps {
  pending: PendingMessage;
  continuesRun: boolean;
  endsRun: boolean;
  onRetry: (pending: PendingMessage) => void;
  onDiscard: (pending: PendingMessage) => void;
}

/** One of our messages without a seq yet: sending, or "Not sent" with Retry. */
export const PendingBubble = memo(function PendingBubble({
  pending,
  continuesRun,
  endsRun,
  onRetry,
  onDiscard,
}: PendingBubbleProps) {
  return (
    <BubbleFrame
      own
      continuesRun={continuesRun}
      endsRun={endsRun}
      senderName="You"
      content={pending.content}
      meta={
        pending.failed ? (
          <span className="inline-flex items-center gap-1 font-medium text-red-700">
            <AlertIcon /> Not sent
          </span>
        ) : (
          <>
            <time dateTime={pending.queuedAt}>{formatClock(pending.queuedAt)}</time>
            <MessageStatus status="pending" />
          </>
        )
      }
      footer={
        pending.failed && (
          <span className="clear-both flex items-center justify-end gap-1 pt-1">
            {pending.error && <span className="mr-auto text-xs text-red-700">{pending.error}</span>}
            <button
              type="button"
              onClick={() => onDiscard(pending)}
              className="rounded-md px-2 py-1 text-xs font-semibold text-slate-700 hover:bg-black/5"
            >
              Delete
            </button>
            <button
              type="button"
              onClick={() => onRetry(pending)}
              className="rounded-md px-2 py-1 text-xs font-semibold text-blue-700 hover:bg-black/5"
            >
              Retry
            </button>
          </span>
        )
      }
    />
  );
});
