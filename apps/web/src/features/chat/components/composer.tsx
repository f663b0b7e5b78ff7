import {
  countCodePoints,
  MAX_CONTENT_CODE_POINTS,
  messageContentSchema,
  normalizeContent,
} from '@parley/protocol';
import { useLayoutEffect, useRef, type FormEvent, type KeyboardEvent } from 'react';
import { SendIcon } from '@/components/ui/icons';
import { cn } from '@/utils/cn';
import { useTypingSender } from '../hooks/use-typing-sender';
import { useDraftsStore } from '../stores/drafts-store';

export interface ComposerProps {
  conversationId: string;
  onSend: (content: string) => void;
}

const MAX_HEIGHT_PX = 160;

/** The "Message" box: Enter sends, Shift+Enter starts a new line; the draft survives switching. */
export function Composer({ conversationId, onSend }: ComposerProps) {
  const draft = useDraftsStore((state) => state.byConversation[conversationId] ?? '');
  const setDraft = useDraftsStore((state) => state.setDraft);
  const { onInput, stop } = useTypingSender(conversationId);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const content = normalizeContent(draft);
  const length = countCodePoints(content);
  const tooLong = length > MAX_CONTENT_CODE_POINTS;
  // The server's own rule (also refuses a lone surrogate a paste can bring).
  const canSend = length > 0 && messageContentSchema.safeParse(draft).success;

  useLayoutEffect(() => {
    const textarea = textareaRef.current;
    if (!textarea) return;
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(textarea.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [draft]);

  const send = () => {
    if (!canSend) return;
    onSend(content);
    setDraft(conversationId, '');
    stop();
    textareaRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };

  return (
    <form onSubmit={onSubmit} className="shrink-0 bg-transparent px-2 pt-1 pb-2 md:px-6 md:pb-4">
      {tooLong && (
        <p role="alert" className="mb-1 px-3 text-xs text-red-700">
          Messages can be up to {MAX_CONTENT_CODE_POINTS.toLocaleString()} characters (
          {length.toLocaleString()} now).
        </p>
      )}
      <div className="flex items-end gap-2">
        <textarea
          ref={textareaRef}
          aria-label="Message"
          placeholder="Message"
          rows={1}
          value={draft}
          onChange={(event) => {
            setDraft(conversationId, event.target.value);
            if (event.target.value.trim()) onInput();
            else stop();
          }}
          onKeyDown={onKeyDown}
          onBlur={stop}
          className="max-h-40 min-h-11 flex-1 resize-none rounded-3xl border-0 bg-white px-4 py-2.5 text-[15px] leading-6 text-slate-900 shadow-[0_1px_2px_rgba(15,23,42,0.15)] outline-none placeholder:text-slate-500 focus:ring-2 focus:ring-blue-500"
        />
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
      </div>
    </form>
  );
}
