import type { ParleyClient } from '@parley/client';
import type { Message } from '@parley/protocol';
import { createExternalStore } from '@/lib/external-store';
import { applyMessageUpdate } from './messages-cache';

/**
 * The SDK's message-change methods (contract section 6) as this app calls them.
 * TODO(sdk merge): drop this view once @parley/client ships them typed.
 */
interface MessageChangeClient {
  editMessage(
    conversationId: string,
    seq: number,
    content: string,
    mentions?: string[],
  ): Promise<Message>;
  deleteMessage(conversationId: string, seq: number): Promise<Message>;
  react(conversationId: string, seq: number, emoji: string, on: boolean): Promise<Message>;
}
interface MessageLookupClient {
  getMessage(conversationId: string, seq: number): Promise<Message>;
}

const changes = (client: ParleyClient) => client as unknown as MessageChangeClient;
const lookups = (client: ParleyClient) => client.http as unknown as MessageLookupClient;

/** Replaces the text (and mentions) of one of our messages; the bubble shows the answer. */
export async function editMessage(
  client: ParleyClient,
  message: Message,
  content: string,
  mentions: string[],
): Promise<void> {
  applyMessageUpdate(
    await changes(client).editMessage(message.conversationId, message.seq, content, mentions),
  );
}

/** Turns a message into its tombstone ("This message was deleted"). */
export async function deleteMessage(client: ParleyClient, message: Message): Promise<void> {
  applyMessageUpdate(await changes(client).deleteMessage(message.conversationId, message.seq));
}

/** Puts our reaction on or takes it back. */
export async function setReaction(
  client: ParleyClient,
  message: Message,
  emoji: string,
  on: boolean,
): Promise<void> {
  applyMessageUpdate(await changes(client).react(message.conversationId, message.seq, emoji, on));
}

/**
 * Messages that replies quote but the history does not hold (older than the loaded pages),
 * by `conversationId:seq`; null while loading or when the server has none to show.
 */
export const quotedMessagesCache = createExternalStore<
  Readonly<Record<string, Message | null | undefined>>
>({});

export const quoteKey = (conversationId: string, seq: number) => `${conversationId}:${seq}`;

/** Loads a quoted message the history does not hold (GET /conversations/:id/messages/:seq). */
export async function loadQuotedMessage(
  client: ParleyClient,
  conversationId: string,
  seq: number,
): Promise<void> {
  const key = quoteKey(conversationId, seq);
  if (key in quotedMessagesCache.get()) return;
  quotedMessagesCache.update((state) => ({ ...state, [key]: undefined }));
  try {
    const message = await lookups(client).getMessage(conversationId, seq);
    quotedMessagesCache.update((state) => ({ ...state, [key]: message }));
  } catch {
    quotedMessagesCache.update((state) => ({ ...state, [key]: null }));
  }
}

/** A newer state of a quoted message (edited, deleted) replaces the one held here. */
export function applyQuotedUpdate(message: Message): void {
  const key = quoteKey(message.conversationId, message.seq);
  const held = quotedMessagesCache.get()[key];
  if (!held || held.rev >= message.rev) return;
  quotedMessagesCache.update((state) => ({ ...state, [key]: message }));
}
