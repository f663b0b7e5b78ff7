import { create } from 'zustand';
import type { MentionCandidate } from '../utils/mentions';

/** What the composer of one conversation is doing besides writing a new message. */
export interface ComposerMode {
  /** The seq of the message the next one answers (the quoted strip above the composer). */
  replyToSeq: number | null;
  /** The message being edited in place, and its text while it is edited. */
  editing: { seq: number; text: string } | null;
  /** Members picked from the `@` suggestions for the text being written (or edited). */
  mentions: readonly MentionCandidate[];
}

export const idleComposer: ComposerMode = { replyToSeq: null, editing: null, mentions: [] };

interface ComposerModeState {
  byConversation: Readonly<Record<string, ComposerMode>>;
  replyTo: (conversationId: string, seq: number) => void;
  startEditing: (
    conversationId: string,
    seq: number,
    text: string,
    mentions: readonly MentionCandidate[],
  ) => void;
  setEditText: (conversationId: string, text: string) => void;
  addMention: (conversationId: string, mention: MentionCandidate) => void;
  /** Back to writing a new message (after sending, saving or cancelling). */
  reset: (conversationId: string) => void;
  /** Ends the reply only (Cancel on the quoted strip). */
  cancelReply: (conversationId: string) => void;
  clear: () => void;
}

export const useComposerModeStore = create<ComposerModeState>()((set) => {
  const change = (conversationId: string, recipe: (mode: ComposerMode) => ComposerMode) =>
    set((state) => ({
      byConversation: {
        ...state.byConversation,
        [conversationId]: recipe(state.byConversation[conversationId] ?? idleComposer),
      },
    }));
  return {
    byConversation: {},
    // Replying and editing exclude each other: the latest choice wins.
    replyTo: (conversationId, seq) =>
      change(conversationId, (mode) => ({
        replyToSeq: seq,
        editing: null,
        mentions: mode.editing ? [] : mode.mentions,
      })),
    startEditing: (conversationId, seq, text, mentions) =>
      change(conversationId, () => ({ replyToSeq: null, editing: { seq, text }, mentions })),
    setEditText: (conversationId, text) =>
      change(conversationId, (mode) =>
        mode.editing ? { ...mode, editing: { ...mode.editing, text } } : mode,
      ),
    addMention: (conversationId, mention) =>
      change(conversationId, (mode) => ({ ...mode, mentions: [...mode.mentions, mention] })),
    reset: (conversationId) => change(conversationId, () => idleComposer),
    cancelReply: (conversationId) =>
      change(conversationId, (mode) => ({ ...mode, replyToSeq: null })),
    clear: () => set({ byConversation: {} }),
  };
});

/** The composer mode of one conversation. */
export const useComposerMode = (conversationId: string) =>
  useComposerModeStore((state) => state.byConversation[conversationId] ?? idleComposer);
