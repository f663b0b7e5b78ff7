import type { Conversation } from '@parley/protocol';
import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { useParleyClient } from '@/lib/parley-client';
import { cn } from '@/utils/cn';
import { conversationTitle } from '@/utils/conversation-title';
import { errorMessage } from '@/utils/error-message';
import { acceptRequest, declineRequest } from '../api/conversations';
import { useRequestList } from '../hooks/use-conversations';

export interface RequestListProps {
  ownUserId: string;
}

/**
 * Message requests: direct chats opened by people the user has not written to, while the user
 * takes those as requests. Shown only when there are some.
 */
export function RequestList({ ownUserId }: RequestListProps) {
  const requests = useRequestList();
  const headingId = useId();
  if (requests.length === 0) return null;
  return (
    <section aria-labelledby={headingId} className="border-b border-slate-200 px-2 pb-2">
      <h2 id={headingId} className="px-3 py-1 text-sm font-semibold text-slate-700">
        Requests
      </h2>
      <ul className="flex flex-col gap-1">
        {requests.map((conversation) => (
          <li key={conversation.id}>
            <RequestRow conversation={conversation} ownUserId={ownUserId} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function RequestRow({
  conversation,
  ownUserId,
}: {
  conversation: Conversation;
  ownUserId: string;
}) {
  return (
    <div className="flex flex-col gap-2 rounded-xl bg-slate-50 px-3 py-2.5">
      <a href={`#/c/${conversation.id}`} className="flex min-w-0 flex-col">
        <span className="truncate font-semibold">{conversationTitle(conversation, ownUserId)}</span>
        <span className="truncate text-sm text-slate-600">
          {conversation.lastMessage?.content.replace(/\s+/g, ' ') ?? 'No messages yet'}
        </span>
      </a>
      <RequestActions conversation={conversation} ownUserId={ownUserId} />
    </div>
  );
}

export interface RequestActionsProps {
  conversation: Conversation;
  ownUserId: string;
  className?: string;
}

/** "Accept" and "Decline" for one message request. */
export function RequestActions({ conversation, ownUserId, className }: RequestActionsProps) {
  const client = useParleyClient();
  const [busy, setBusy] = useState<'accept' | 'decline' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const title = conversationTitle(conversation, ownUserId);

  const answer = async (action: 'accept' | 'decline') => {
    setBusy(action);
    setError(null);
    try {
      if (action === 'accept') await acceptRequest(client, conversation.id);
      else await declineRequest(client, conversation.id);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(null);
    }
  };

  return (
    <div className={cn('flex flex-col gap-1', className)}>
      <div className="flex gap-2">
        <Button
          aria-label={`Accept ${title}`}
          className="h-8 flex-1"
          busy={busy === 'accept'}
          disabled={busy !== null}
          onClick={() => void answer('accept')}
        >
          Accept
        </Button>
        <Button
          aria-label={`Decline ${title}`}
          variant="secondary"
          className="h-8 flex-1"
          busy={busy === 'decline'}
          disabled={busy !== null}
          onClick={() => void answer('decline')}
        >
          Decline
        </Button>
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
