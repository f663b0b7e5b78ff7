import { describe, expect, it } from 'vitest';
import { backoffDelay, type BackoffOptions } from './backoff.js';

const options: BackoffOptions = { initialDelayMs: 100, maxDelayMs: 1000, randomizationFactor: 0.5 };
const middle = () => 0.5;

describe('backoffDelay', () => {
  it('doubles per attempt without jitter at the random midpoint', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, options, middle))).toEqual([
      100, 200, 400, 800,
    ]);
  });

  it('caps the delay at maxDelayMs, also for huge attempt numbers', () => {
    expect(backoffDelay(4, options, middle)).toBe(1000);
    expect(backoffDelay(10_000, options, middle)).toBe(1000);
    expect(backoffDelay(10_000, options, () => 0.999)).toBe(1000);
  });

  it('spreads delays by up to the randomization factor either way', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(100);
    expect(backoffDelay(1, options, () => 0.999_999)).toBe(300);
  });

  it('gives fixed delays without randomization', () => {
    const fixed = { ...options, randomizationFactor: 0 };
    expect(backoffDelay(2, fixed, () => 0)).toBe(400);
    expect(backoffDelay(2, fixed, () => 0.9)).toBe(400);
  });
});
