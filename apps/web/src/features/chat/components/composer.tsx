import type { SendOptions } from '@parley/client';
import type { ConversationMember } from '@parley/protocol';
import {
  countCodePoints,
  MAX_CONTENT_CODE_POINTS,
  messageContentSchema,
  normalizeContent,
} from '@parley/protocol';
import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
} from 'react';
import { Button, IconButton } from '@/components/ui/button';
import { CloseIcon, PencilIcon, ReplyIcon, SendIcon } from '@/components/ui/icons';
import { cn } from '@/utils/cn';
import { errorMessage } from '@/utils/error-message';
import { useTypingSender } from '../hooks/use-typing-sender';
import { useComposerMode, useComposerModeStore } from '../stores/composer-mode-store';
import { useDraftsStore } from '../stores/drafts-store';
import {
  activeMentionQuery,
  insertMention,
  mentionedUserIds,
  mentionSuggestions,
  type MentionQuery,
} from '../utils/mentions';
import type { QuotedMessage } from '../utils/quote';

export interface ComposerProps {
  conversationId: string;
  ownUserId: string;
  members: readonly ConversationMember[];
  onSend: (content: string, options: SendOptions) => void;
  /** Saves an edit; rejects with what went wrong. */
  onSaveEdit: (seq: number, content: string, mentions: string[]) => Promise<void>;
  /** The message being answered or edited, as the strip above the box shows it. */
  quoteOf: (seq: number) => QuotedMessage;
}

const MAX_HEIGHT_PX = 160;

/**
 * The "Message" box: Enter sends, Shift+Enter starts a new line; the draft survives switching.
 * It also answers a message (the quoted strip above it), edits one in place (Save, Cancel,
 * Escape) and offers members after `@` (arrows, Enter or Tab, Escape).
 */
export function Composer({
  conversationId,
  ownUserId,
  members,
  onSend,
  onSaveEdit,
  quoteOf,
}: ComposerProps) {
  const draft = useDraftsStore((state) => state.byConversation[conversationId] ?? '');
  const setDraft = useDraftsStore((state) => state.setDraft);
  const mode = useComposerMode(conversationId);
  const { setEditText, addMention, reset, cancelReply } = useComposerModeStore.getState();
  const { onInput, stop } = useTypingSender(conversationId);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const caretAfterInsert = useRef<number | null>(null);
  const [mentionQuery, setMentionQuery] = useState<MentionQuery | null>(null);
  const [activeSuggestion, setActiveSuggestion] = useState(0);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const listboxId = useId();

  const editing = mode.editing;
  const text = editing ? editing.text : draft;
  const content = normalizeContent(text);
  const length = countCodePoints(content);
  const tooLong = length > MAX_CONTENT_CODE_POINTS;
  // The server's own rule (also refuses a lone surrogate a paste can bring).
  const canSend = length > 0 && messageContentSchema.safeParse(text).success && !saving;
  const suggestions = mentionQuery
    ? mentionSuggestions(mentionQuery.query, members, ownUserId)
    : [];
  const suggesting = suggestions.length > 0;
  const active = Math.min(activeSuggestion, suggestions.length - 1);

  useLayoutEffect(() => {
    const textarea = textareaRef.current;
    if (!textarea) return;
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(textarea.scrollHeight, MAX_HEIGHT_PX)}px`;
    if (caretAfterInsert.current !== null) {
      textarea.setSelectionRange(caretAfterInsert.current, caretAfterInsert.current);
      caretAfterInsert.current = null;
    }
  }, [text]);

  // Starting an edit or a reply puts the caret in the box, at the end of the text.
  const editingSeq = editing?.seq ?? null;
  useEffect(() => {
    const textarea = textareaRef.current;
    if (!textarea || (editingSeq === null && mode.replyToSeq === null)) return;
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  }, [editingSeq, mode.replyToSeq]);

  const setText = (value: string) => {
    if (editing) setEditText(conversationId, value);
    else setDraft(conversationId, value);
  };

  const updateMentionQuery = (textarea: HTMLTextAreaElement) => {
    const caret = textarea.selectionStart;
    const next = caret === textarea.selectionEnd ? activeMentionQuery(textarea.value, caret) : null;
    setMentionQuery((previous) =>
      previous?.start === next?.start && previous?.query === next?.query ? previous : next,
    );
    if (next?.start !== mentionQuery?.start) setActiveSuggestion(0);
  };

  const chooseSuggestion = (member: ConversationMember) => {
    const textarea = textareaRef.current;
    if (!textarea || !mentionQuery) return;
    const inserted = insertMention(text, mentionQuery, textarea.selectionStart, member.displayName);
    addMention(conversationId, { userId: member.userId, displayName: member.displayName });
    caretAfterInsert.current = inserted.caret;
    setText(inserted.text);
    setMentionQuery(null);
    textarea.focus();
  };

  const cancelEdit = () => {
    setSaveError(null);
    reset(conversationId);
    textareaRef.current?.focus();
  };

  const submit = () => {
    if (!canSend) return;
    const mentions = mentionedUserIds(content, mode.mentions);
    setMentionQuery(null);
    if (editing) {
      setSaving(true);
      setSaveError(null);
      onSaveEdit(editing.seq, content, mentions).then(
        () => {
          setSaving(false);
          reset(conversationId);
        },
        (error: unknown) => {
          setSaving(false);
          setSaveError(errorMessage(error));
        },
      );
      return;
    }
    onSend(content, {
      ...(mode.replyToSeq !== null ? { replyToSeq: mode.replyToSeq } : {}),
      ...(mentions.length > 0 ? { mentions } : {}),
    });
    setDraft(conversationId, '');
    reset(conversationId);
    stop();
    textareaRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (suggesting) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActiveSuggestion((active + step + suggestions.length) % suggestions.length);
        return;
      }
      if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
        event.preventDefault();
        chooseSuggestion(suggestions[active]!);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setMentionQuery(null);
        return;
      }
    }
    if (event.key === 'Escape') {
      if (editing) {
        event.preventDefault();
        cancelEdit();
      } else if (mode.replyToSeq !== null) {
        event.preventDefault();
        cancelReply(conversationId);
      }
      return;
    }
    if (event.key !== 'Enter' || event.shiftKey) return;
    event.preventDefault();
    submit();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };

  const strip = editing
    ? { label: 'Editing message', quote: quoteOf(editing.seq) }
    : mode.replyToSeq !== null
      ? { label: 'Replying to', quote: quoteOf(mode.replyToSeq) }
      : null;

  return (
    <form onSubmit={onSubmit} className="shrink-0 bg-transparent px-2 pt-1 pb-2 md:px-6 md:pb-4">
      {tooLong && (
        <p role="alert" className="mb-1 px-3 text-xs text-red-700">
          Messages can be up to {MAX_CONTENT_CODE_POINTS.toLocaleString()} characters (
          {length.toLocaleString()} now).
        </p>
      )}
      {saveError && (
        <p role="alert" className="mb-1 px-3 text-xs text-red-700">
          The edit was not saved: {saveError}
        </p>
      )}
      {strip && (
        <div
          role="group"
          aria-label={editing ? 'Editing message' : 'Replying to'}
          className="mb-1 flex items-center gap-2 rounded-2xl bg-white/90 py-1 pr-1 pl-3 shadow-[0_1px_2px_rgba(15,23,42,0.12)]"
        >
          <span aria-hidden="true" className="text-lg text-blue-600">
            {editing ? <PencilIcon /> : <ReplyIcon />}
          </span>
          <span className="min-w-0 flex-1 border-l-2 border-blue-500 pl-2 text-[13px] leading-tight">
            <span className="block font-semibold text-blue-700">
              {editing ? (
                strip.label
              ) : (
                <>
                  {strip.label} <bdi>{strip.quote.senderName}</bdi>
                </>
              )}
            </span>
            <span className="block truncate text-slate-600">
              <bdi>{strip.quote.snippet}</bdi>
            </span>
          </span>
          {!editing && (
            <IconButton label="Cancel reply" onClick={() => cancelReply(conversationId)}>
              <CloseIcon />
            </IconButton>
          )}
        </div>
      )}
      <div className="relative flex items-end gap-2">
        {suggesting && (
          <ul
            id={listboxId}
            role="listbox"
            aria-label="Mention suggestions"
            className="absolute bottom-full left-0 z-20 mb-1 max-h-64 w-72 max-w-full overflow-y-auto rounded-xl bg-white py-1 shadow-lg ring-1 ring-slate-200"
          >
            {suggestions.map((member, index) => (
              <li
                key={member.userId}
                id={`${listboxId}-${index}`}
                role="option"
                aria-selected={index === active}
                // Keep the focus in the box: the choice is made on click.
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => chooseSuggestion(member)}
                className={cn(
                  'flex cursor-pointer flex-col px-3 py-1.5 text-sm',
                  index === active ? 'bg-blue-50' : 'hover:bg-slate-50',
                )}
              >
                <bdi className="font-medium text-slate-900">{member.displayName}</bdi>
                <span className="text-xs text-slate-600">@{member.username}</span>
              </li>
            ))}
          </ul>
        )}
        <textarea
          ref={textareaRef}
          aria-label="Message"
          aria-autocomplete="list"
          aria-controls={suggesting ? listboxId : undefined}
          aria-activedescendant={suggesting ? `${listboxId}-${active}` : undefined}
          placeholder="Message"
          rows={1}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            updateMentionQuery(event.target);
            if (editing) return;
            if (event.target.value.trim()) onInput();
            else stop();
          }}
          onSelect={(event) => updateMentionQuery(event.currentTarget)}
          onKeyDown={onKeyDown}
          onBlur={() => {
            stop();
            setMentionQuery(null);
          }}
          className="max-h-40 min-h-11 flex-1 resize-none rounded-3xl border-0 bg-white px-4 py-2.5 text-[15px] leading-6 text-slate-900 shadow-[0_1px_2px_rgba(15,23,42,0.15)] outline-none placeholder:text-slate-500 focus:ring-2 focus:ring-blue-500"
        />
        {editing ? (
          <>
            <Button variant="secondary" className="h-11 rounded-full" onClick={cancelEdit}>
              Cancel
            </Button>
            <Button type="submit" className="h-11 rounded-full" disabled={!canSend} busy={saving}>
              Save
            </Button>
          </>
        ) : (
          <button
            type="submit"
            aria-label="Send"
            title="Send"
            disabled={!canSend}
            className={cn(
              'inline-flex size-11 shrink-0 items-center justify-center rounded-full text-xl text-white shadow-[0_1px_2px_rgba(15,23,42,0.2)] transition-colors',
              canSend ? 'bg-blue-600 hover:bg-blue-700' : 'cursor-not-allowed bg-slate-400',
            )}
          >
            <SendIcon />
          </button>
        )}
      </div>
    </form>
  );
}
