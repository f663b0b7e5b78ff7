import { canonicalEmoji } from './reactions';

/** One emoji of the picker's full set. */
export interface EmojiEntry {
  emoji: string;
  label: string;
  /** The label and tags, lower case: what a search matches. */
  keywords: string[];
}

/** Emojibase's group of skin tones and hair styles: parts of emojis, not emojis to react with. */
const COMPONENT_GROUP = 2;

let loading: Promise<EmojiEntry[]> | null = null;

/**
 * The full emoji set of Emojibase (emojibase-data, English), loaded on first use as its own
 * chunk: the main bundle does not carry it.
 */
export function loadEmojiSet(): Promise<EmojiEntry[]> {
  loading ??= import('emojibase-data/en/compact.json').then(
    ({ default: data }) =>
      data
        .filter((entry) => entry.group !== undefined && entry.group !== COMPONENT_GROUP)
        .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
        .map((entry) => ({
          emoji: canonicalEmoji(entry.unicode),
          label: entry.label,
          keywords: [entry.label, ...(entry.tags ?? [])].map((word) => word.toLowerCase()),
        })),
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

/** The emojis whose label or a tag has a word starting with every word of `query`. */
export function searchEmojis(set: readonly EmojiEntry[], query: string, limit = 80): EmojiEntry[] {
  const words = query.toLowerCase().split(/\s+/u).filter(Boolean);
  if (words.length === 0) return set.slice(0, limit);
  const found: EmojiEntry[] = [];
  for (const entry of set) {
    const entryWords = entry.keywords.flatMap((keyword) => keyword.split(/[\s:_-]+/u));
    if (words.every((word) => entryWords.some((entryWord) => entryWord.startsWith(word)))) {
      found.push(entry);
      if (found.length === limit) break;
    }
  }
  return found;
}
