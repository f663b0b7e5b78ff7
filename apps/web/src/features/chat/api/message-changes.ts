import type { ParleyClient } from '@parley/client';
import type { Message } from '@parley/protocol';
import { createExternalStore } from '@/lib/external-store';
import { applyMessageUpdate } from './messages-cache';

/*
 * Each change shows its answer at once; the SDK also announces it as `messageUpdated`, and the
 * cache keeps whichever state has the higher rev.
 */

/** Replaces the text (and mentions) of one of our messages. */
export async function editMessage(
  client: ParleyClient,
  message: Message,
  content: string,
  mentions: string[],
): Promise<void> {
  applyMessageUpdate(
    await client.editMessage(message.conversationId, message.seq, content, mentions),
  );
}

/** Turns a message into its tombstone ("This message was deleted"). */
export async function deleteMessage(client: ParleyClient, message: Message): Promise<void> {
  applyMessageUpdate(await client.deleteMessage(message.conversationId, message.seq));
}

/** Puts our reaction on or takes it back. */
export async function setReaction(
  client: ParleyClient,
  message: Message,
  emoji: string,
  on: boolean,
): Promise<void> {
  applyMessageUpdate(await client.react(message.conversationId, message.seq, emoji, on));
}

/**
 * Messages that replies quote but the history does not hold (older than the loaded pages),
 * by `conversationId:seq`: undefined while loading, null when the server has none to show.
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
    const message = await client.http.getMessage(conversationId, seq);
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
