import type { ConversationMember, Message } from '@parley/protocol';
import { createContext, useContext } from 'react';
import type { QuotedMessage } from '../utils/quote';

/** What a bubble needs to offer its actions: who is looking, and what each action does. */
export interface MessageActions {
  ownUserId: string;
  members: readonly ConversationMember[];
  /** Group owners and admins may delete anyone's message. */
  canModerate: boolean;
  /** The seq of the message being edited in the composer, if any. */
  editingSeq: number | null;
  reply: (message: Message) => void;
  edit: (message: Message) => void;
  /** Asks for confirmation, then deletes. */
  requestDelete: (message: Message) => void;
  react: (message: Message, emoji: string) => void;
  /** Scrolls to the message with this seq, loading older pages until it is there. */
  jumpTo: (seq: number) => void;
  quoteOf: (seq: number) => QuotedMessage;
}

export const MessageActionsContext = createContext<MessageActions | null>(null);

export function useMessageActions(): MessageActions {
  const actions = useContext(MessageActionsContext);
  if (!actions) throw new Error('useMessageActions needs a MessageActionsContext provider');
  return actions;
}
