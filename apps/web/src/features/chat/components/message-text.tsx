import { memo } from 'react';
import { cn } from '@/utils/cn';
import { linkify } from '@/utils/linkify';
import { splitMentions } from '../utils/mentions';

const noNames: readonly string[] = [];

export interface MessageTextProps {
  content: string;
  /** Display names of the mentioned members: their `@name` is highlighted. */
  mentionNames?: readonly string[];
  /** The viewer's own display name, when the message mentions the viewer: highlighted more. */
  ownName?: string | null;
}

/**
 * Message content as text nodes, web links and highlighted mentions; never parsed as HTML.
 * `dir="auto"` isolates it: bidirectional controls in the text (kept, they are part of what was
 * said) cannot reorder anything outside it, such as the time next to it.
 */
export const MessageText = memo(function MessageText({
  content,
  mentionNames = noNames,
  ownName = null,
}: MessageTextProps) {
  return (
    <span dir="auto" className="whitespace-pre-wrap [overflow-wrap:anywhere]">
      {linkify(content).map((part, index) =>
        part.type === 'link' ? (
          <a
            key={index}
            href={part.href}
            target="_blank"
            rel="noopener noreferrer nofollow"
            className="text-blue-700 underline decoration-blue-700/40 underline-offset-2 hover:decoration-blue-700"
          >
            {part.text}
          </a>
        ) : (
          splitMentions(part.text, mentionNames).map((piece, pieceIndex) =>
            piece.type === 'mention' ? (
              <span
                key={`${index}-${pieceIndex}`}
                data-mention=""
                className={cn(
                  'rounded px-0.5 font-semibold text-blue-700',
                  piece.text === `@${ownName}` ? 'bg-amber-100' : 'bg-blue-50',
                )}
              >
                {piece.text}
              </span>
            ) : (
              piece.text
            ),
          )
        ),
      )}
    </span>
  );
});
