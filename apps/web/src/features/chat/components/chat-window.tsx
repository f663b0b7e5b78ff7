import type { SendOptions } from '@parley/client';
import type { Conversation, Message } from '@parley/protocol';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ErrorBoundary } from '@/components/ui/error-boundary';
import { useClientValue } from '@/hooks/use-client-value';
import { useSocket } from '@/hooks/use-socket';
import { useExternalStore } from '@/lib/external-store';
import { conversationTitle } from '@/utils/conversation-title';
import { errorMessage } from '@/utils/error-message';
import {
  editMessage,
  loadQuotedMessage,
  quoteKey,
  quotedMessagesCache,
  setReaction,
} from '../api/message-changes';
import { retryOutboxEntry, retryRejected, sendMessage } from '../api/send-message';
import { useConversationMessages } from '../hooks/use-conversation-messages';
import { useMarkRead } from '../hooks/use-mark-read';
import { useComposerMode, useComposerModeStore } from '../stores/composer-mode-store';
import { useRejectedSendsStore } from '../stores/rejected-sends-store';
import { canonicalEmoji, reactionToggle } from '../utils/reactions';
import { quoteOf } from '../utils/quote';
import { buildTimeline, type PendingMessage } from '../utils/timeline';
import { ChatHeader } from './chat-header';
import { Composer } from './composer';
import { DeleteMessageDialog } from './delete-message-dialog';
import { MessageActionsContext, type MessageActions } from './message-actions-context';
import { MessageList } from './message-list';

export interface ChatWindowProps {
  conversation: Conversation;
  ownUserId: string;
  onBack: () => void;
  onMarkedRead: (
    conversationId: string,
    seq: number,
    unreadCount: number,
    mentionCount: number,
  ) => void;
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
          replyToSeq: entry.replyToSeq ?? null,
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
          replyToSeq: entry.options.replyToSeq ?? null,
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
    (content: string, options: SendOptions) =>
      sendMessage(client, conversationId, content, options),
    [client, conversationId],
  );

  // Replies, edits, reactions and deletes (contract section 6).
  const composerMode = useComposerMode(conversationId);
  const quotedMessages = useExternalStore(quotedMessagesCache, (state) => state);
  const [deleting, setDeleting] = useState<Message | null>(null);
  const [jumpTarget, setJumpTarget] = useState<{ seq: number } | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const bySeq = useMemo(
    () => new Map(history.messages.map((message) => [message.seq, message])),
    [history.messages],
  );
  const members = conversation.members;
  const ownRole = members.find((member) => member.userId === ownUserId)?.role;
  const canModerate = conversation.type === 'group' && (ownRole === 'owner' || ownRole === 'admin');

  // Quotes of messages older than the loaded pages come one by one from the server.
  useEffect(() => {
    for (const message of history.messages) {
      const seq = message.replyToSeq;
      if (seq === null || bySeq.has(seq)) continue;
      void loadQuotedMessage(client, conversationId, seq);
    }
  }, [client, conversationId, history.messages, bySeq]);

  const quoteFor = useCallback(
    (seq: number) =>
      quoteOf(bySeq.get(seq) ?? quotedMessages[quoteKey(conversationId, seq)], members, ownUserId),
    [bySeq, quotedMessages, conversationId, members, ownUserId],
  );

  // The message being edited was deleted meanwhile (by an admin, or on another device).
  const editingSeq = composerMode.editing?.seq;
  const editedGone = editingSeq !== undefined && bySeq.get(editingSeq)?.deletedAt != null;
  useEffect(() => {
    if (editedGone) useComposerModeStore.getState().reset(conversationId);
  }, [editedGone, conversationId]);

  const onSaveEdit = useCallback(
    async (seq: number, content: string, mentions: string[]) => {
      const message = bySeq.get(seq);
      if (!message) throw new Error('The message is no longer here.');
      await editMessage(client, message, content, mentions);
    },
    [client, bySeq],
  );

  const actions = useMemo<MessageActions>(
    () => ({
      ownUserId,
      members,
      canModerate,
      editingSeq: composerMode.editing?.seq ?? null,
      reply: (message) => useComposerModeStore.getState().replyTo(conversationId, message.seq),
      edit: (message) =>
        useComposerModeStore.getState().startEditing(
          conversationId,
          message.seq,
          message.content,
          message.mentions.flatMap((userId) => {
            const member = members.find((each) => each.userId === userId);
            return member ? [{ userId, displayName: member.displayName }] : [];
          }),
        ),
      requestDelete: setDeleting,
      react: (message, emoji) => {
        const chosen = canonicalEmoji(emoji);
        setActionError(null);
        setReaction(client, message, chosen, reactionToggle(message, chosen, ownUserId)).catch(
          (error: unknown) => setActionError(errorMessage(error)),
        );
      },
      jumpTo: (seq) => setJumpTarget({ seq }),
      quoteOf: quoteFor,
    }),
    [ownUserId, members, canModerate, composerMode.editing?.seq, conversationId, client, quoteFor],
  );
  const onJumpDone = useCallback(() => setJumpTarget(null), []);
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
      {actionError && (
        <p
          role="alert"
          className="mx-auto mt-2 w-fit rounded-xl bg-white px-4 py-1.5 text-sm text-red-700 shadow-sm"
        >
          {actionError}
        </p>
      )}
      <ErrorBoundary area="the messages" resetKey={conversationId}>
        <MessageActionsContext value={actions}>
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
            jumpTarget={jumpTarget}
            onJumpDone={onJumpDone}
          />
        </MessageActionsContext>
      </ErrorBoundary>
      <Composer
        conversationId={conversationId}
        ownUserId={ownUserId}
        members={members}
        onSend={onSend}
        onSaveEdit={onSaveEdit}
        quoteOf={quoteFor}
      />
      {deleting && (
        <DeleteMessageDialog
          message={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            if (composerMode.editing?.seq === deleting.seq) {
              useComposerModeStore.getState().reset(conversationId);
            }
          }}
        />
      )}
    </section>
  );
}
