import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Button, IconButton } from '@/components/ui/button';
import { ArrowDownIcon } from '@/components/ui/icons';
import { Spinner } from '@/components/ui/spinner';
import { deliveryStatus, type MemberWatermarks } from '../utils/delivery-status';
import type { PendingMessage, TimelineItem } from '../utils/timeline';
import { MessageBubble, PendingBubble } from './message-bubble';

/** Closer than this to the bottom counts as "at the bottom": new messages keep it there. */
const STICK_TO_BOTTOM_PX = 80;
/** Older messages load when the view is this close to the top. */
const LOAD_OLDER_PX = 400;

export interface MessageListProps {
  items: readonly TimelineItem[];
  ownUserId: string;
  /** The conversation's members: their watermarks give the ticks of our messages. */
  members: readonly MemberWatermarks[];
  loading: boolean;
  loadingOlder: boolean;
  hasOlder: boolean;
  error: string | null;
  onLoadOlder: () => void;
  onRetryLoad: () => void;
  onRetrySend: (pending: PendingMessage) => void;
  onDiscardSend: (pending: PendingMessage) => void;
  /** A message to scroll to (a clicked quote): older pages load until it is there. */
  jumpTarget: { seq: number } | null;
  onJumpDone: () => void;
}

/** How long a message scrolled to by its quote stays outlined. */
const HIGHLIGHT_MS = 1500;

interface ScrollSnapshot {
  scrollTop: number;
  scrollHeight: number;
  atBottom: boolean;
  firstKey: string | null;
  lastKey: string | null;
}

const firstMessageKey = (items: readonly TimelineItem[]) =>
  items.find((item) => item.kind === 'message')?.key ?? null;

/**
 * The "Messages" log: newest at the bottom. It stays at the bottom as messages arrive (when it
 * was there, or the message is ours), and keeps its place when older pages are put above.
 */
export function MessageList({
  items,
  ownUserId,
  members,
  loading,
  loadingOlder,
  hasOlder,
  error,
  onLoadOlder,
  onRetryLoad,
  onRetrySend,
  onDiscardSend,
  jumpTarget,
  onJumpDone,
}: MessageListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const snapshot = useRef<ScrollSnapshot>({
    scrollTop: 0,
    scrollHeight: 0,
    atBottom: true,
    firstKey: null,
    lastKey: null,
  });
  const [showJump, setShowJump] = useState(false);
  const [highlightedSeq, setHighlightedSeq] = useState<number | null>(null);

  const remember = (element: HTMLDivElement) => {
    const atBottom =
      element.scrollHeight - element.scrollTop - element.clientHeight < STICK_TO_BOTTOM_PX;
    snapshot.current = {
      ...snapshot.current,
      scrollTop: element.scrollTop,
      scrollHeight: element.scrollHeight,
      atBottom,
    };
    return atBottom;
  };

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const previous = snapshot.current;
    const firstKey = firstMessageKey(items);
    const last = items.at(-1);
    const lastKey = last?.key ?? null;
    if (previous.firstKey === null && firstKey !== null) {
      const unread = element.querySelector<HTMLElement>('[data-unread-marker]');
      if (unread) element.scrollTop = unread.offsetTop - element.clientHeight / 3;
      else element.scrollTop = element.scrollHeight;
    } else if (firstKey !== previous.firstKey) {
      // Older messages went in above: keep what was on screen where it was.
      element.scrollTop = previous.scrollTop + (element.scrollHeight - previous.scrollHeight);
    }
    if (previous.firstKey !== null && lastKey !== previous.lastKey) {
      const ours = last?.kind === 'pending' || (last?.kind === 'message' && last.own);
      if (previous.atBottom || ours) element.scrollTop = element.scrollHeight;
    }
    snapshot.current = { ...snapshot.current, firstKey, lastKey };
    remember(element);
  }, [items]);

  // The composer grows or the phone keyboard opens: stay at the bottom if we were there.
  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      if (snapshot.current.atBottom) element.scrollTop = element.scrollHeight;
      remember(element);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Too few messages to scroll: nothing would trigger the next page, so ask for it.
  useEffect(() => {
    const element = scrollRef.current;
    if (element && hasOlder && !loadingOlder && element.scrollHeight <= element.clientHeight) {
      onLoadOlder();
    }
  }, [items, hasOlder, loadingOlder, onLoadOlder]);

  // A clicked quote: scroll to its message once it is in the list, loading older pages first.
  useEffect(() => {
    const element = scrollRef.current;
    if (!element || !jumpTarget) return;
    const row = element.querySelector<HTMLElement>(`[data-seq="${jumpTarget.seq}"]`);
    if (row) {
      row.scrollIntoView({ block: 'center' });
      setHighlightedSeq(jumpTarget.seq);
      onJumpDone();
      return;
    }
    if (!hasOlder || error) onJumpDone();
    else if (!loadingOlder) onLoadOlder();
  }, [jumpTarget, items, hasOlder, loadingOlder, error, onLoadOlder, onJumpDone]);

  useEffect(() => {
    if (highlightedSeq === null) return;
    const timer = setTimeout(() => setHighlightedSeq(null), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlightedSeq]);

  const onScroll = () => {
    const element = scrollRef.current;
    if (!element) return;
    const atBottom = remember(element);
    setShowJump(!atBottom);
    if (element.scrollTop < LOAD_OLDER_PX && hasOlder && !loadingOlder) onLoadOlder();
  };

  const jumpToLatest = () => {
    const element = scrollRef.current;
    element?.scrollTo({ top: element.scrollHeight, behavior: 'smooth' });
  };

  return (
    <div className="relative min-h-0 flex-1">
      {/*
        Named "Messages" by `title`, not aria-label: getByLabel('Message') must find only the
        composer, and label matching is by substring. The inner title="" keeps the tooltip away.
      */}
      <div
        ref={scrollRef}
        role="log"
        title="Messages"
        aria-busy={loading || loadingOlder || undefined}
        tabIndex={0}
        onScroll={onScroll}
        className="h-full overflow-y-auto outline-none [overflow-anchor:none] focus-visible:ring-2 focus-visible:ring-blue-500 focus-visible:ring-inset"
      >
        <div title="" className="min-h-full pt-2 pb-3">
          {loadingOlder && <Spinner label="Loading older messages" className="w-full py-2" />}
          {!hasOlder && items.length > 0 && (
            <p className="mx-auto my-2 w-fit rounded-full bg-white/70 px-3 py-1 text-xs text-slate-600">
              This is the start of the conversation
            </p>
          )}
          {loading && items.length === 0 && (
            <Spinner label="Loading messages" className="w-full py-8" />
          )}
          {error && (
            <div
              role="alert"
              className="mx-auto my-3 flex w-fit items-center gap-3 rounded-xl bg-white px-4 py-2 text-sm shadow-sm"
            >
              <span className="text-red-700">{error}</span>
              <Button variant="ghost" className="h-8 px-2" onClick={onRetryLoad}>
                Try again
              </Button>
            </div>
          )}
          {!loading && !error && items.length === 0 && (
            <p className="mx-auto mt-10 w-fit rounded-2xl bg-white/80 px-4 py-2 text-sm text-slate-700 shadow-sm">
              No messages yet. Say hello!
            </p>
          )}
          <ol className="flex flex-col">
            {items.map((item) => {
              switch (item.kind) {
                case 'day':
                  return (
                    <li key={item.key} className="sticky top-1 z-10 my-2 flex justify-center">
                      <span className="rounded-full bg-slate-900/45 px-3 py-0.5 text-xs font-medium text-white backdrop-blur-sm">
                        {item.label}
                      </span>
                    </li>
                  );
                case 'unread':
                  return (
                    <li
                      key={item.key}
                      data-unread-marker
                      className="my-2 bg-white/60 py-1 text-center text-xs font-semibold text-slate-700"
                    >
                      Unread messages
                    </li>
                  );
                case 'message':
                  return (
                    <MessageBubble
                      key={item.key}
                      message={item.message}
                      own={item.own}
                      senderName={item.senderName}
                      fromGroupPeer={item.fromGroupPeer}
                      continuesRun={item.continuesRun}
                      endsRun={item.endsRun}
                      highlighted={item.message.seq === highlightedSeq}
                      status={
                        item.own ? deliveryStatus(item.message.seq, members, ownUserId) : null
                      }
                    />
                  );
                case 'pending':
                  return (
                    <PendingBubble
                      key={item.key}
                      pending={item.pending}
                      continuesRun={item.continuesRun}
                      endsRun={item.endsRun}
                      onRetry={onRetrySend}
                      onDiscard={onDiscardSend}
                    />
                  );
              }
            })}
          </ol>
        </div>
      </div>
      {showJump && (
        <IconButton
          label="Jump to the latest"
          onClick={jumpToLatest}
          className="absolute right-4 bottom-4 bg-white text-slate-700 shadow-md hover:bg-slate-50"
        >
          <ArrowDownIcon />
        </IconButton>
      )}
    </div>
  );
}
