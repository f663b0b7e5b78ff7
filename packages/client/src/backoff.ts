/** Delays between retries: exponential growth with random jitter. */
export interface BackoffOptions {
  /**
   * Delay before the first retry.
   * @default 1000
   */
  initialDelayMs: number;
  /**
   * Upper bound of every delay.
   * @default 30000
   */
  maxDelayMs: number;
  /**
   * Each delay is moved randomly by up to this fraction of itself, so clients that failed
   * together (a server restart) do not all come back in the same instant.
   * @default 0.5
   */
  randomizationFactor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  randomizationFactor: 0.5,
};

/**
 * The delay before retry number `attempt` (0 for the first retry): `initialDelayMs` doubled per
 * attempt, capped at `maxDelayMs`, moved by up to `randomizationFactor` either way. It is the
 * formula socket.io-client uses for reconnection, so every retry of the SDK spreads the same way.
 * @example
 * backoffDelay(0, DEFAULT_BACKOFF); // 500..1500
 * backoffDelay(3, DEFAULT_BACKOFF); // 4000..12000
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
  const jitter = base * options.randomizationFactor * (random() * 2 - 1);
  return Math.round(Math.min(options.maxDelayMs, Math.max(0, base + jitter)));
}
