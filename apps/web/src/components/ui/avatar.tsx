import { cn } from '@/utils/cn';
import { personColor } from '@/utils/person-color';

function initialsOf(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters =
    words.length > 1 ? [words[0]![0], words[1]![0]] : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}

const sizes = {
  xs: 'size-8 text-xs',
  sm: 'size-9 text-sm',
  md: 'size-12 text-base',
  lg: 'size-16 text-xl',
};

export interface AvatarProps {
  name: string;
  /** Stable seed of the colour (an id), so a renamed group keeps its colour. */
  seed: string;
  size?: keyof typeof sizes;
  /** Shows a green presence dot while true (offline shows none, as chat apps do). */
  online?: boolean;
  className?: string;
}

/** Initials on a colour derived from the seed; decorative (the name is written next to it). */
export function Avatar({ name, seed, size = 'md', online, className }: AvatarProps) {
  return (
    <span className={cn('relative inline-flex shrink-0', className)}>
      <span
        aria-hidden="true"
        className={cn(
          'inline-flex items-center justify-center rounded-full font-semibold text-white select-none',
          sizes[size],
          personColor(seed).background,
        )}
      >
        {initialsOf(name)}
      </span>
      {online && (
        <span
          role="img"
          aria-label="Online"
          className="absolute right-0 bottom-0 size-3.5 rounded-full bg-emerald-500 ring-2 ring-white"
        />
      )}
    </span>
  );
}
