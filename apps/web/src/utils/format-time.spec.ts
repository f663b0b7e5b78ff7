import { describe, expect, it } from 'vitest';
import { dayKey, daysAgo, formatDay, formatLastSeen, formatRowTime } from './format-time';

const now = new Date(2025, 5, 18, 15, 30); // Wednesday 18 June 2025, 15:30 local time
const at = (...parts: [number, number, number, number?, number?]) =>
  new Date(parts[0], parts[1], parts[2], parts[3] ?? 12, parts[4] ?? 0).toISOString();

describe('daysAgo', () => {
  it('counts calendar days, not 24-hour spans', () => {
    expect(daysAgo(new Date(2025, 5, 17, 23, 59), now)).toBe(1);
    expect(daysAgo(new Date(2025, 5, 18, 0, 1), now)).toBe(0);
  });
});

describe('formatRowTime', () => {
  it('shows the clock today, Yesterday, a weekday this week, then a date', () => {
    expect(formatRowTime(at(2025, 5, 18, 9, 5), now, 'en-GB')).toBe('9:05');
    expect(formatRowTime(at(2025, 5, 17), now, 'en-GB')).toBe('Yesterday');
    expect(formatRowTime(at(2025, 5, 14), now, 'en-GB')).toBe('Sat');
    expect(formatRowTime(at(2025, 4, 2), now, 'en-GB')).toBe('2 May');
    expect(formatRowTime(at(2024, 11, 24), now, 'en-GB')).toBe('24 Dec 2024');
  });
});

describe('formatDay', () => {
  it('names separators by day', () => {
    expect(formatDay(at(2025, 5, 18), now, 'en-GB')).toBe('Today');
    expect(formatDay(at(2025, 5, 17), now, 'en-GB')).toBe('Yesterday');
    expect(formatDay(at(2025, 5, 13), now, 'en-GB')).toBe('Friday');
    expect(formatDay(at(2025, 0, 9), now, 'en-GB')).toBe('9 January');
  });
});

describe('dayKey', () => {
  it('is equal within a day and differs across midnight', () => {
    expect(dayKey(at(2025, 5, 18, 0, 1))).toBe(dayKey(at(2025, 5, 18, 23, 59)));
    expect(dayKey(at(2025, 5, 17, 23, 59))).not.toBe(dayKey(at(2025, 5, 18, 0, 1)));
  });
});

describe('formatLastSeen', () => {
  it('says how long ago, coarser with time', () => {
    expect(formatLastSeen(new Date(now.getTime() - 20_000).toISOString(), now)).toBe(
      'last seen just now',
    );
    expect(formatLastSeen(new Date(now.getTime() - 5 * 60_000).toISOString(), now)).toBe(
      'last seen 5 min ago',
    );
    expect(formatLastSeen(at(2025, 5, 18, 9, 5), now, 'en-GB')).toBe('last seen at 9:05');
    expect(formatLastSeen(at(2025, 5, 17, 9, 5), now, 'en-GB')).toBe('last seen yesterday at 9:05');
  });
});
