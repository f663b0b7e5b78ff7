import { useEffect, useRef, useState, type CSSProperties } from 'react';
import { Spinner } from '@/components/ui/spinner';
import { loadEmojiSet, searchEmojis, type EmojiEntry } from '../utils/emoji-data';
import { QUICK_REACTIONS } from '../utils/reactions';

export interface EmojiPickerProps {
  /** The button that opened it: the picker sits next to it, and focus goes back to it. */
  anchor: HTMLElement;
  onPick: (emoji: string) => void;
  onClose: () => void;
}

const WIDTH_PX = 320;
const HEIGHT_PX = 340;

/** Where the picker fits: below its button, or above it near the bottom of the window. */
function placement(anchor: HTMLElement): CSSProperties {
  const rect = anchor.getBoundingClientRect();
  const below = window.innerHeight - rect.bottom > HEIGHT_PX + 8;
  const left = Math.max(8, Math.min(rect.left, window.innerWidth - WIDTH_PX - 8));
  return below
    ? { top: rect.bottom + 4, left }
    : { top: Math.max(8, rect.top - HEIGHT_PX - 4), left };
}

/**
 * "Choose a reaction": the quick reactions, and the full set of the emoji data package with a
 * search, loaded the first time the picker opens. Escape or a click outside closes it.
 */
export function EmojiPicker({ anchor, onPick, onClose }: EmojiPickerProps) {
  const ref = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  // Placed once, when it opens (the anchor is on screen then: it was just clicked).
  const [style] = useState<CSSProperties>(() => placement(anchor));
  const [emojis, setEmojis] = useState<EmojiEntry[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState('');

  useEffect(() => searchRef.current?.focus(), []);

  useEffect(() => {
    let live = true;
    loadEmojiSet().then(
      (set) => live && setEmojis(set),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!ref.current?.contains(target) && !anchor.contains(target)) onClose();
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [anchor, onClose]);

  const pick = (emoji: string) => {
    onPick(emoji);
    onClose();
    anchor.focus();
  };

  // Without a query the whole set, to browse; with one, the best matches.
  const results = emojis ? searchEmojis(emojis, query, query.trim() ? 120 : emojis.length) : [];

  return (
    <div
      ref={ref}
      role="dialog"
      aria-label="Choose a reaction"
      style={{ ...style, width: WIDTH_PX, height: HEIGHT_PX }}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return;
        event.stopPropagation();
        onClose();
        anchor.focus();
      }}
      className="fixed z-40 flex flex-col gap-2 rounded-2xl bg-white p-2 text-slate-900 shadow-xl ring-1 ring-slate-200"
    >
      <div className="flex justify-between" role="group" aria-label="Quick reactions">
        {QUICK_REACTIONS.map((emoji) => (
          <button
            key={emoji}
            type="button"
            title={`React with ${emoji}`}
            onClick={() => pick(emoji)}
            className="size-10 rounded-full text-2xl hover:bg-slate-100 focus-visible:ring-2 focus-visible:ring-blue-500 focus-visible:outline-none"
          >
            {emoji}
          </button>
        ))}
      </div>
      <input
        ref={searchRef}
        type="search"
        aria-label="Search emoji"
        placeholder="Search emoji"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
        className="h-9 rounded-lg bg-slate-100 px-3 text-sm outline-none focus:ring-2 focus:ring-blue-500"
      />
      <div className="min-h-0 flex-1 overflow-y-auto">
        {failed ? (
          <p role="alert" className="p-2 text-sm text-red-700">
            The emoji list did not load.
          </p>
        ) : !emojis ? (
          <Spinner label="Loading emoji" className="w-full py-6" />
        ) : results.length === 0 ? (
          <p className="p-2 text-sm text-slate-600">No emoji found</p>
        ) : (
          <div role="group" aria-label="All emoji" className="grid grid-cols-8">
            {results.map((entry) => (
              <button
                key={entry.emoji}
                type="button"
                aria-label={entry.label}
                title={entry.label}
                onClick={() => pick(entry.emoji)}
                className="size-9 rounded-lg text-xl hover:bg-slate-100 focus-visible:ring-2 focus-visible:ring-blue-500 focus-visible:outline-none"
              >
                {entry.emoji}
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
