import { memo } from 'react';
import { linkify } from '@/utils/linkify';

/**
 * Message content as text nodes and web links; never parsed as HTML. `dir="auto"` isolates it:
 * bidirectional controls in the text (kept, they are part of what was said) cannot reorder
 * anything outside it, such as the time next to it.
 */
export const MessageText = memo(function MessageText({ content }: { content: string }) {
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
          part.text
        ),
      )}
    </span>
  );
});
