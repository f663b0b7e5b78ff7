/** Colours for people and groups: a background for avatars, a text colour for names. */
const PALETTE = [
  { background: 'bg-rose-600', text: 'text-rose-700' },
  { background: 'bg-orange-700', text: 'text-orange-700' },
  { background: 'bg-emerald-700', text: 'text-emerald-700' },
  { background: 'bg-teal-700', text: 'text-teal-700' },
  { background: 'bg-sky-700', text: 'text-sky-700' },
  { background: 'bg-blue-600', text: 'text-blue-700' },
  { background: 'bg-indigo-600', text: 'text-indigo-700' },
  { background: 'bg-violet-600', text: 'text-violet-700' },
  { background: 'bg-fuchsia-700', text: 'text-fuchsia-700' },
] as const;

/**
 * The colour of an id, the same everywhere (avatar, name in a group). Every pair keeps a
 * contrast of at least 4.5:1: white initials on the background, the text colour on white.
 */
export function personColor(seed: string): (typeof PALETTE)[number] {
  // FNV-1a: ids that share a prefix (time-ordered UUIDs) still spread over the palette.
  let hash = 0x811c9dc5;
  for (let index = 0; index < seed.length; index++) {
    hash = Math.imul(hash ^ seed.charCodeAt(index), 0x01000193);
  }
  return PALETTE[(hash >>> 0) % PALETTE.length]!;
}
