import type { Conversation } from '@parley/protocol';
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { ErrorBoundary } from '@/components/ui/error-boundary';
import { useClientValue } from '@/hooks/use-client-value';
import { useSocket } from '@/hooks/use-socket';
import { conversationTitle } from '@/utils/conversation-title';
import { retryOutboxEntry, retryRejected, sendMessage } from '../api/send-message';
import { useConversationMessages } from '../hooks/use-conversation-messages';
import { useMarkRead } from '../hooks/use-mark-read';
import { useRejectedSendsStore } from '../stores/rejected-sends-store';
import { buildTimeline, type PendingMessage } from '../utils/timeline';
import { ChatHeader } from './chat-header';
import { Composer } from './composer';
import { MessageList } from './message-list';

export interface ChatWindowProps {
  conversation: Conversation;
  ownUserId: string;
  onBack: () => void;
  onMarkedRead: (conversationId: string, seq: number, unreadCount: number) => void;
  /** Buttons at the end of the header (e.g. the group's info). */
  headerActions?: ReactNode;
}

/** One open conversation: header, history, composer. Mount it keyed by the conversation id. */
export function ChatWindow({
  conversation,
  ownUserId,
  onBack,
  onMarkedRead,
  headerActions,
}: ChatWindowProps) {
  const { client } = useSocket();
  const conversationId = conversation.id;
  const history = useConversationMessages(conversationId);
  const outbox = useClientValue('outbox', (client) => client.outbox);
  const rejected = useRejectedSendsStore((state) => state.entries);
  const removeRejected = useRejectedSendsStore((state) => state.remove);
  // Where "Unread messages" goes: the read state when the chat was opened.
  const [unreadAfterSeq] = useState(() =>
    conversation.unreadCount > 0 ? conversation.lastReadSeq : null,
  );

  const pending = useMemo<PendingMessage[]>(
    () => [
      ...outbox
        .filter((entry) => entry.conversationId === conversationId)
        .map((entry) => ({
          key: `o-${entry.clientMsgId}`,
          clientMsgId: entry.clientMsgId,
          rejectedId: null,
          content: entry.content,
          queuedAt: entry.queuedAt,
          failed: entry.status === 'failed',
          error: entry.status === 'failed' ? 'The server did not answer.' : null,
        })),
      ...rejected
        .filter((entry) => entry.conversationId === conversationId)
        .map((entry) => ({
          key: `r-${entry.localId}`,
          clientMsgId: null,
          rejectedId: entry.localId,
          content: entry.content,
          queuedAt: entry.queuedAt,
          failed: true,
          error: entry.error,
        })),
    ],
    [outbox, rejected, conversationId],
  );

  const items = useMemo(
    () =>
      buildTimeline(history.messages, pending, {
        ownUserId,
        isGroup: conversation.type === 'group',
        members: conversation.members,
        unreadAfterSeq,
      }),
    [history.messages, pending, ownUserId, conversation.type, conversation.members, unreadAfterSeq],
  );

  const title = conversationTitle(conversation, ownUserId);

  const latestSeq = history.messages.at(-1)?.seq ?? 0;
  useMarkRead(conversationId, latestSeq, conversation.lastReadSeq, onMarkedRead);

  const onSend = useCallback(
    (content: string) => sendMessage(client, conversationId, content),
    [client, conversationId],
  );
  const onRetrySend = useCallback(
    (message: PendingMessage) => {
      if (message.clientMsgId) {
        retryOutboxEntry(client, message.clientMsgId, conversationId, message.content);
      } else if (message.rejectedId) {
        retryRejected(client, message.rejectedId);
      }
    },
    [client, conversationId],
  );
  const onDiscardSend = useCallback(
    (message: PendingMessage) => {
      if (message.clientMsgId) client.cancelSend(message.clientMsgId);
      else if (message.rejectedId) removeRejected(message.rejectedId);
    },
    [client, removeRejected],
  );

  return (
    <section
      aria-label={`Chat with ${title}`}
      className="flex h-full min-h-0 flex-1 flex-col bg-[#e8ecef] bg-[radial-gradient(circle_at_20%_20%,rgba(186,230,253,0.45),transparent_45%),radial-gradient(circle_at_80%_70%,rgba(217,249,157,0.35),transparent_50%)]"
    >
      <ChatHeader
        conversation={conversation}
        ownUserId={ownUserId}
        onBack={onBack}
        actions={headerActions}
      />
      <ErrorBoundary area="the messages" resetKey={conversationId}>
        <MessageList
          items={items}
          ownUserId={ownUserId}
          members={conversation.members}
          loading={history.fetchState.loading}
          loadingOlder={history.fetchState.loadingOlder}
          hasOlder={history.loaded && !history.fetchState.foundOldest}
          error={history.fetchState.error}
          onLoadOlder={history.loadOlder}
          onRetryLoad={history.retry}
          onRetrySend={onRetrySend}
          onDiscardSend={onDiscardSend}
        />
      </ErrorBoundary>
      <Composer conversationId={conversationId} onSend={onSend} />
    </section>
  );
}
