import { useEffect, useRef } from 'react';
import { Button } from '@/components/ui/button';
import { ChatBubblesIcon } from '@/components/ui/icons';
import { Spinner } from '@/components/ui/spinner';
import { useConversationList } from '../hooks/use-conversations';
import { ConversationRow } from './conversation-row';

export interface ConversationListProps {
  ownUserId: string;
  selectedId: string | null;
  onNewConversation: () => void;
}

/**
 * The navigation landmark "Conversations": newest activity first, re-sorted as messages arrive;
 * the next page loads when its end scrolls into view.
 */
export function ConversationList({
  ownUserId,
  selectedId,
  onNewConversation,
}: ConversationListProps) {
  const { conversations, loading, error, loadedOnce, hasMore, loadMore } = useConversationList();
  const scrollRef = useRef<HTMLElement>(null);
  const endRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const end = endRef.current;
    if (!end || !hasMore || !loadedOnce || error) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) loadMore();
      },
      { root: scrollRef.current, rootMargin: '0px 0px 300px 0px' },
    );
    observer.observe(end);
    return () => observer.disconnect();
  }, [hasMore, loadedOnce, error, loadMore, conversations.length]);

  return (
    <nav
      ref={scrollRef}
      aria-label="Conversations"
      aria-busy={loading || undefined}
      className="min-h-0 flex-1 overflow-y-auto px-2 pb-2"
    >
      {conversations.length > 0 && (
        <ul className="flex flex-col gap-0.5">
          {conversations.map((conversation) => (
            <li key={conversation.id}>
              <ConversationRow
                conversation={conversation}
                ownUserId={ownUserId}
                selected={conversation.id === selectedId}
              />
            </li>
          ))}
        </ul>
      )}
      {loadedOnce && !loading && !error && conversations.length === 0 && (
        <div className="flex flex-col items-center gap-3 px-6 py-16 text-center">
          <span className="flex size-14 items-center justify-center rounded-full bg-blue-50 text-3xl text-blue-600">
            <ChatBubblesIcon />
          </span>
          <p className="font-medium text-slate-900">No conversations yet</p>
          <p className="text-sm text-slate-600">Find someone to talk to and say hello.</p>
          <Button onClick={onNewConversation}>Start a conversation</Button>
        </div>
      )}
      {loading && <Spinner label="Loading conversations" className="w-full py-4" />}
      {error && (
        <div role="alert" className="flex flex-col items-center gap-2 px-4 py-6 text-center">
          <p className="text-sm text-red-700">{error}</p>
          <Button variant="secondary" onClick={loadMore}>
            Try again
          </Button>
        </div>
      )}
      <div ref={endRef} aria-hidden="true" className="h-px" />
    </nav>
  );
}
