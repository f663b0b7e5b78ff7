import { sleep } from './util.js';

/**
 * Calls `fire` on an open-loop schedule: `rate` per second, evenly spaced or as a Poisson
 * process, for `durationMs`, whatever the server does. A stalled server therefore shows up as
 * latency (each message is timed from its scheduled time), not as fewer messages sent.
 */
export async function openLoop(options: {
  rate: number;
  durationMs: number;
  poisson: boolean;
  fire: (scheduledAt: number, index: number) => void;
}): Promise<{ startedAt: number; count: number }> {
  const { rate, poisson } = options;
  const gap = () => (poisson ? -Math.log(1 - Math.random()) : 1) * (1000 / rate);
  const startedAt = performance.now() + 1;
  const endAt = startedAt + options.durationMs;
  let next = startedAt;
  let count = 0;
  while (next < endAt) {
    const now = performance.now();
    while (next <= now && next < endAt) {
      options.fire(next, count++);
      next += gap();
    }
    await sleep(Math.min(next, endAt) - performance.now());
  }
  return { startedAt, count };
}
