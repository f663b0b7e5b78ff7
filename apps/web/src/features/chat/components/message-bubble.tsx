import {
  memo,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ComponentPropsWithRef,
  type ReactNode,
} from 'react';
import { Avatar } from '@/components/ui/avatar';
import { IconButton } from '@/components/ui/button';
import {
  AlertIcon,
  BlockedIcon,
  PencilIcon,
  ReplyIcon,
  SmileIcon,
  TrashIcon,
} from '@/components/ui/icons';
import { cn } from '@/utils/cn';
import { personColor } from '@/utils/person-color';
import { formatClock } from '@/utils/format-time';
import type { DeliveryStatus } from '../utils/delivery-status';
import { DELETED_TEXT, type QuotedMessage } from '../utils/quote';
import { reactionChips } from '../utils/reactions';
import type { PendingMessage, StoredMessageItem } from '../utils/timeline';
import { EmojiPicker } from './emoji-picker';
import { useMessageActions } from './message-actions-context';
import { MessageStatus } from './message-status';
import { MessageText } from './message-text';

interface BubbleFrameProps {
  own: boolean;
  continuesRun: boolean;
  endsRun: boolean;
  senderName: string;
  /** In groups, others' messages carry the sender's avatar and (first of a run) name. */
  groupSender?: { id: string } | null;
  /** The text, or what stands in its place (a deleted message). */
  body: ReactNode;
  meta: ReactNode;
  /** Above the text: the message this one answers. */
  header?: ReactNode;
  footer?: ReactNode;
  /** Beside the bubble: its actions, while shown. */
  aside?: ReactNode;
  seq?: number;
  highlighted?: boolean;
  rowProps?: ComponentPropsWithRef<'li'>;
}

function BubbleFrame({
  own,
  continuesRun,
  endsRun,
  senderName,
  groupSender,
  body,
  meta,
  header,
  footer,
  aside,
  seq,
  highlighted = false,
  rowProps,
}: BubbleFrameProps) {
  return (
    <li
      data-seq={seq}
      {...rowProps}
      className={cn(
        'flex items-end gap-2 px-3 outline-none focus-visible:bg-blue-500/10 md:px-6',
        own ? 'justify-end' : 'justify-start',
        continuesRun ? 'mt-0.5' : 'mt-2',
      )}
    >
      {own && aside}
      {groupSender &&
        (endsRun ? (
          <Avatar name={senderName} seed={groupSender.id} size="xs" />
        ) : (
          <span aria-hidden="true" className="w-8 shrink-0" />
        ))}
      <div
        className={cn(
          'relative max-w-[min(85%,36rem)] min-w-0 rounded-2xl px-3 pt-1.5 pb-1 text-[15px] leading-snug text-slate-900 shadow-[0_1px_1px_rgba(15,23,42,0.12)] transition-shadow',
          own ? 'bg-[#dcf8c6]' : 'bg-white',
          endsRun && (own ? 'rounded-br-md' : 'rounded-bl-md'),
          highlighted && 'ring-2 ring-amber-400',
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
        {header}
        {body}
        <span className="relative top-1.5 float-right ml-3 inline-flex items-center gap-1 text-[11px] leading-4 whitespace-nowrap text-slate-600">
          {meta}
        </span>
        {footer}
      </div>
      {!own && aside}
    </li>
  );
}

export interface MessageBubbleProps extends StoredMessageItem {
  status: DeliveryStatus | null;
  /** Briefly outlined: the message a quote was clicked for. */
  highlighted: boolean;
}

/** How long a press on a touch screen takes to open a message's actions. */
const LONG_PRESS_MS = 500;

/**
 * A message the server stored; ours carry sent / delivered / read ticks. Hovering it (or a long
 * press on a touch screen, or the keyboard focus inside it) shows its actions.
 */
export const MessageBubble = memo(function MessageBubble({
  message,
  own,
  senderName,
  fromGroupPeer,
  continuesRun,
  endsRun,
  status,
  highlighted,
}: MessageBubbleProps) {
  const actions = useMessageActions();
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const [pressed, setPressed] = useState(false);
  const [pickerAnchor, setPickerAnchor] = useState<HTMLElement | null>(null);
  const pressTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const rowRef = useRef<HTMLLIElement>(null);
  const deleted = message.deletedAt !== null;
  const members = actions.members;

  // A long press opened the actions: a touch anywhere else closes them.
  useEffect(() => {
    if (!pressed) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!rowRef.current?.contains(event.target as Node)) setPressed(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [pressed]);
  useEffect(
    () => () => {
      if (pressTimer.current) clearTimeout(pressTimer.current);
    },
    [],
  );

  const cancelPress = () => {
    if (pressTimer.current) clearTimeout(pressTimer.current);
    pressTimer.current = null;
  };

  const hideActions = () => {
    setHovered(false);
    setPressed(false);
  };

  const closePicker = useCallback(() => setPickerAnchor(null), []);
  const onPick = useCallback((emoji: string) => actions.react(message, emoji), [actions, message]);

  const mentionNames = useMemo(
    () =>
      message.mentions
        .map((userId) => members.find((member) => member.userId === userId)?.displayName)
        .filter((name): name is string => name !== undefined),
    [message.mentions, members],
  );
  const ownName = message.mentions.includes(actions.ownUserId)
    ? (members.find((member) => member.userId === actions.ownUserId)?.displayName ?? null)
    : null;
  const chips = reactionChips(message, actions.ownUserId, members);

  const showActions = !deleted && (hovered || focused || pressed || pickerAnchor !== null);
  const canDelete = own || actions.canModerate;

  const rowProps: ComponentPropsWithRef<'li'> = {
    // A mouse only (a tap's emulated mouse events do not count), and on every move, not only
    // on enter: after an action hid them, the pointer is still over the row.
    onPointerMove: (event) => {
      if (event.pointerType === 'mouse') setHovered(true);
      else if (event.pointerType === 'touch' && (event.movementX || event.movementY)) cancelPress();
    },
    onPointerLeave: (event) => {
      if (event.pointerType === 'mouse') setHovered(false);
    },
    // Keyboard focus only: a click focuses the row too, and hovering covers the mouse.
    onFocus: (event) => setFocused(event.target.matches(':focus-visible')),
    onBlur: (event) => {
      if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setFocused(false);
    },
    onPointerDown: (event) => {
      if (event.pointerType !== 'touch' || deleted) return;
      cancelPress();
      pressTimer.current = setTimeout(() => setPressed(true), LONG_PRESS_MS);
    },
    onPointerUp: cancelPress,
    onPointerCancel: cancelPress,
    // The browser's own long-press menu would cover the actions.
    onContextMenu: (event) => {
      if (pressed || pressTimer.current) event.preventDefault();
    },
  };

  return (
    <BubbleFrame
      own={own}
      continuesRun={continuesRun}
      endsRun={endsRun}
      senderName={senderName}
      groupSender={fromGroupPeer ? { id: message.senderId } : null}
      seq={message.seq}
      highlighted={highlighted || actions.editingSeq === message.seq}
      // Focusable, so a keyboard reaches the actions: Tab to the message, then to its buttons.
      rowProps={{ ...rowProps, ref: rowRef, tabIndex: 0 }}
      header={
        message.replyToSeq !== null &&
        !deleted && (
          <QuoteButton
            quote={actions.quoteOf(message.replyToSeq)}
            onClick={() => actions.jumpTo(message.replyToSeq!)}
          />
        )
      }
      body={
        deleted ? (
          <span className="inline-flex items-center gap-1.5 text-slate-500 italic">
            <BlockedIcon />
            <span>{DELETED_TEXT}</span>
          </span>
        ) : (
          <MessageText content={message.content} mentionNames={mentionNames} ownName={ownName} />
        )
      }
      meta={
        <>
          {message.editedAt !== null && !deleted && <span className="italic">edited</span>}
          <time dateTime={message.createdAt}>{formatClock(message.createdAt)}</time>
          {own && status && <MessageStatus status={status} />}
        </>
      }
      footer={
        chips.length > 0 && (
          <ul aria-label="Reactions" className="clear-both flex flex-wrap gap-1 pt-1.5 pb-0.5">
            {chips.map((chip) => (
              <li key={chip.emoji}>
                <button
                  type="button"
                  aria-label={`${chip.emoji} ${chip.count}`}
                  aria-pressed={chip.mine}
                  title={chip.names.join(', ')}
                  onClick={() => actions.react(message, chip.emoji)}
                  className={cn(
                    'inline-flex h-6 items-center gap-1 rounded-full px-2 text-[13px] ring-1 transition-colors ring-inset',
                    chip.mine
                      ? 'bg-blue-100 text-blue-800 ring-blue-300'
                      : 'bg-white/80 text-slate-700 ring-slate-200 hover:bg-slate-50',
                  )}
                >
                  <span aria-hidden="true">{chip.emoji}</span>
                  <span aria-hidden="true" className="font-medium">
                    {chip.count}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )
      }
      aside={
        showActions && (
          <div
            role="toolbar"
            aria-label="Message actions"
            className="flex shrink-0 items-center self-center rounded-full bg-white/90 shadow-sm"
          >
            <IconButton
              label="Reply"
              className="size-8 text-base"
              onClick={() => {
                hideActions();
                actions.reply(message);
              }}
            >
              <ReplyIcon />
            </IconButton>
            <IconButton
              label="React"
              className="size-8 text-base"
              aria-haspopup="dialog"
              aria-expanded={pickerAnchor !== null}
              onClick={(event) => {
                const button = event.currentTarget;
                setPickerAnchor((open) => (open ? null : button));
              }}
            >
              <SmileIcon />
            </IconButton>
            {own && (
              <IconButton
                label="Edit"
                className="size-8 text-base"
                onClick={() => {
                  hideActions();
                  actions.edit(message);
                }}
              >
                <PencilIcon />
              </IconButton>
            )}
            {canDelete && (
              <IconButton
                label="Delete"
                className="size-8 text-base hover:text-red-700"
                onClick={() => {
                  hideActions();
                  actions.requestDelete(message);
                }}
              >
                <TrashIcon />
              </IconButton>
            )}
            {pickerAnchor && (
              <EmojiPicker anchor={pickerAnchor} onPick={onPick} onClose={closePicker} />
            )}
          </div>
        )
      }
    />
  );
});

/** The quoted message above a reply; a click scrolls to it. */
function QuoteButton({ quote, onClick }: { quote: QuotedMessage; onClick: () => void }) {
  return (
    <button
      type="button"
      onClick={onClick}
      className="mb-1 flex w-full min-w-0 flex-col rounded-lg border-l-4 border-blue-500 bg-black/5 px-2 py-1 text-left text-[13px] leading-tight hover:bg-black/10"
    >
      <span className="truncate font-semibold text-blue-700">
        <bdi>{quote.senderName}</bdi>
      </span>
      <span className={cn('truncate text-slate-600', quote.deleted && 'italic')}>
        <bdi>{quote.snippet}</bdi>
      </span>
    </button>
  );
}

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
  const actions = useMessageActions();
  return (
    <BubbleFrame
      own
      continuesRun={continuesRun}
      endsRun={endsRun}
      senderName="You"
      header={
        pending.replyToSeq !== null && (
          <QuoteButton
            quote={actions.quoteOf(pending.replyToSeq)}
            onClick={() => actions.jumpTo(pending.replyToSeq!)}
          />
        )
      }
      body={<MessageText content={pending.content} />}
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
