const DAY_MS = 24 * 60 * 60 * 1000;

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Whole calendar days from `date` to `now` in local time (0: today, 1: yesterday). */
export function daysAgo(date: Date, now: Date): number {
  return Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
}

/** Clock time of a message: `14:05` (the locale decides 12 or 24 hours). */
export function formatClock(iso: string, locale?: string): string {
  return new Date(iso).toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

/** Time of the last message in a conversation row: clock today, then weekday, then date. */
export function formatRowTime(iso: string, now = new Date(), locale?: string): string {
  const date = new Date(iso);
  const days = daysAgo(date, now);
  if (days <= 0) return formatClock(iso, locale);
  if (days === 1) return 'Yesterday';
  if (days < 7) return date.toLocaleDateString(locale, { weekday: 'short' });
  return date.toLocaleDateString(locale, {
    day: 'numeric',
    month: 'short',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

/** Label of a day separator in the chat: Today, Yesterday, a weekday, or a date. */
export function formatDay(iso: string, now = new Date(), locale?: string): string {
  const date = new Date(iso);
  const days = daysAgo(date, now);
  if (days <= 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days < 7) return date.toLocaleDateString(locale, { weekday: 'long' });
  return date.toLocaleDateString(locale, {
    day: 'numeric',
    month: 'long',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

/** A key that is equal for two times on the same local calendar day. */
export function dayKey(iso: string): string {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

/** "last seen" text for a person who is offline. */
export function formatLastSeen(iso: string, now = new Date(), locale?: string): string {
  const date = new Date(iso);
  const minutes = Math.floor((now.getTime() - date.getTime()) / 60_000);
  if (minutes < 1) return 'last seen just now';
  if (minutes < 60) return `last seen ${minutes} min ago`;
  const days = daysAgo(date, now);
  if (days === 0) return `last seen at ${formatClock(iso, locale)}`;
  if (days === 1) return `last seen yesterday at ${formatClock(iso, locale)}`;
  return `last seen ${formatRowTime(iso, now, locale)}`;
}
