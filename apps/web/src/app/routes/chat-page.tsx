import type { Conversation } from '@parley/protocol';
import { useCallback, useState } from 'react';
import { ConnectionBanner } from '@/components/connection-banner';
import { Avatar } from '@/components/ui/avatar';
import { IconButton } from '@/components/ui/button';
import { ErrorBoundary } from '@/components/ui/error-boundary';
import {
  ChatBubblesIcon,
  ComposeIcon,
  GroupIcon,
  LogOutIcon,
  SettingsIcon,
} from '@/components/ui/icons';
import { Spinner } from '@/components/ui/spinner';
import { useAuthStore } from '@/features/auth/stores/auth-store';
import { ChatWindow } from '@/features/chat/components/chat-window';
import { useChatEvents } from '@/features/chat/hooks/use-chat-events';
import { applyRead } from '@/features/conversations/api/conversations-cache';
import { ConversationList } from '@/features/conversations/components/conversation-list';
import { GroupInfoDialog } from '@/features/conversations/components/group-info-dialog';
import { NewConversationDialog } from '@/features/conversations/components/new-conversation-dialog';
import { NewGroupDialog } from '@/features/conversations/components/new-group-dialog';
import { RequestActions, RequestList } from '@/features/conversations/components/request-list';
import { useConversationEvents } from '@/features/conversations/hooks/use-conversation-events';
import { useConversation } from '@/features/conversations/hooks/use-conversations';
import { SettingsDialog } from '@/features/privacy/components/settings-dialog';
import { useHashRoute } from '@/hooks/use-hash-route';
import { useSocketConnection, useSocketEvent } from '@/hooks/use-socket';
import { cn } from '@/utils/cn';

type OpenDialog = 'new-conversation' | 'new-group' | 'group-info' | 'settings' | null;

export interface ChatPageProps {
  ownUserId: string;
  onLogout: () => void;
}

/**
 * The signed-in app: the conversation list and the open chat side by side on a desktop; on a
 * phone one at a time (the list, or the chat with a back button).
 */
export function ChatPage({ ownUserId, onLogout }: ChatPageProps) {
  useSocketConnection();
  useConversationEvents(ownUserId);
  useChatEvents(ownUserId);
  const user = useAuthStore((state) => state.user);
  const { conversationId, openConversation } = useHashRoute();
  const { conversation, missing } = useConversation(conversationId);
  const [dialog, setDialog] = useState<OpenDialog>(null);

  useSocketEvent('removed', (event) => {
    if (event.conversationId === conversationId) {
      setDialog(null);
      openConversation(null);
    }
  });

  const closeDialog = useCallback(() => setDialog(null), []);
  const goToList = useCallback(() => openConversation(null), [openConversation]);
  const onOpened = useCallback(
    (opened: Conversation) => {
      setDialog(null);
      openConversation(opened.id);
    },
    [openConversation],
  );
  const onMarkedRead = useCallback(
    (id: string, seq: number, unreadCount: number, mentionCount: number) =>
      applyRead(id, seq, unreadCount, mentionCount),
    [],
  );

  const displayName = user?.displayName ?? 'You';

  return (
    <div className="flex h-dvh flex-col bg-white text-slate-900">
      <ConnectionBanner />
      <div className="flex min-h-0 flex-1">
        <aside
          aria-label="Chats"
          className={cn(
            'min-h-0 w-full flex-col border-slate-200 bg-white md:flex md:w-[22rem] md:border-r lg:w-[26rem]',
            conversationId ? 'hidden' : 'flex',
          )}
        >
          <header className="flex h-16 shrink-0 items-center gap-3 px-4">
            <Avatar name={displayName} seed={ownUserId} size="sm" />
            <div className="flex min-w-0 flex-1 flex-col">
              <h1 className="text-lg leading-tight font-bold">Chats</h1>
              <p className="truncate text-xs text-slate-600">
                {user ? (
                  <>
                    <bdi>{user.displayName}</bdi> · @{user.username}
                  </>
                ) : (
                  ' '
                )}
              </p>
            </div>
            <IconButton label="New group" onClick={() => setDialog('new-group')}>
              <GroupIcon />
            </IconButton>
            <IconButton label="New conversation" onClick={() => setDialog('new-conversation')}>
              <ComposeIcon />
            </IconButton>
            <IconButton label="Settings" onClick={() => setDialog('settings')}>
              <SettingsIcon />
            </IconButton>
            <IconButton label="Log out" onClick={onLogout}>
              <LogOutIcon />
            </IconButton>
          </header>
          <ErrorBoundary area="message requests">
            <RequestList ownUserId={ownUserId} />
          </ErrorBoundary>
          <ErrorBoundary area="the conversation list">
            <ConversationList
              ownUserId={ownUserId}
              selectedId={conversationId}
              onNewConversation={() => setDialog('new-conversation')}
            />
          </ErrorBoundary>
        </aside>

        <main
          className={cn(
            'min-h-0 min-w-0 flex-1 flex-col md:flex',
            conversationId ? 'flex' : 'hidden',
          )}
        >
          <ErrorBoundary area="this chat" resetKey={conversationId}>
            {conversation ? (
              <ChatWindow
                key={conversation.id}
                conversation={conversation}
                ownUserId={ownUserId}
                onBack={goToList}
                onMarkedRead={onMarkedRead}
                headerActions={
                  conversation.request ? (
                    <RequestActions
                      conversation={conversation}
                      ownUserId={ownUserId}
                      className="w-52"
                    />
                  ) : (
                    conversation.type === 'group' && (
                      <IconButton label="Members" onClick={() => setDialog('group-info')}>
                        <GroupIcon />
                      </IconButton>
                    )
                  )
                }
              />
            ) : conversationId && !missing ? (
              <Spinner label="Opening the conversation" className="flex-1" />
            ) : (
              <EmptyChat missing={missing} onBack={goToList} />
            )}
          </ErrorBoundary>
        </main>
      </div>

      {dialog === 'new-conversation' && (
        <NewConversationDialog
          onClose={closeDialog}
          onOpened={onOpened}
          onNewGroup={() => setDialog('new-group')}
        />
      )}
      {dialog === 'new-group' && <NewGroupDialog onClose={closeDialog} onCreated={onOpened} />}
      {dialog === 'settings' && <SettingsDialog onClose={closeDialog} />}
      {dialog === 'group-info' && conversation?.type === 'group' && (
        <GroupInfoDialog
          conversation={conversation}
          ownUserId={ownUserId}
          onClose={closeDialog}
          onLeft={() => {
            setDialog(null);
            openConversation(null);
          }}
        />
      )}
    </div>
  );
}

function EmptyChat({ missing, onBack }: { missing: boolean; onBack: () => void }) {
  return (
    <div className="flex flex-1 flex-col items-center justify-center gap-3 bg-[#e8ecef] p-8 text-center">
      <span className="flex size-16 items-center justify-center rounded-full bg-white text-4xl text-blue-600 shadow-sm">
        <ChatBubblesIcon />
      </span>
      {missing ? (
        <>
          <p className="font-medium text-slate-900">This conversation is not available.</p>
          <button type="button" onClick={onBack} className="text-sm font-semibold text-blue-700">
            Back to conversations
          </button>
        </>
      ) : (
        <>
          <p className="font-medium text-slate-900">Select a conversation</p>
          <p className="max-w-xs text-sm text-slate-600">
            Pick a chat on the left, or start a new one with the pencil button.
          </p>
        </>
      )}
    </div>
  );
}
