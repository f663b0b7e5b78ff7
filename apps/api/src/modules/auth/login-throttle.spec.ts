import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  COUNTER_LIFETIME_MS,
  delayAfter,
  KNOWN_ADDRESS_LIFETIME_MS,
  MemoryLoginThrottle,
} from './login-throttle.js';

let clock = 0;
const opened: MemoryLoginThrottle[] = [];

afterEach(() => {
  for (const throttle of opened.splice(0)) throttle.close();
});

function throttleOnFakeClock(): MemoryLoginThrottle {
  clock = 1_000_000;
  const sut = new MemoryLoginThrottle(() => clock);
  opened.push(sut);
  return sut;
}

/** Attempts from `address` until one is refused; returns how many went ahead. */
async function attemptsUntilRefused(
  sut: MemoryLoginThrottle,
  address: string,
  username = 'alice',
): Promise<number> {
  let allowed = 0;
  while ((await sut.begin({ username, address })).allowed) allowed++;
  return allowed;
}

describe('delayAfter', () => {
  it('is 0 for the free failures, then doubles from the base delay up to the cap', () => {
    const policy = { freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 5_000 };
    expect([0, 2, 3, 4, 5, 6, 50, 5_000].map((failures) => delayAfter(failures, policy))).toEqual([
      0, 0, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000,
    ]);
  });
});

describe('MemoryLoginThrottle', () => {
  it('lets the free attempts of one address through, then asks it to wait', async () => {
    const sut = throttleOnFakeClock();
    expect(await attemptsUntilRefused(sut, '10.0.0.1')).toBe(ADDRESS_POLICY.freeFailures);
    expect(await sut.begin({ username: 'alice', address: '10.0.0.1' })).toEqual({
      allowed: false,
      retryAfterMs: ADDRESS_POLICY.baseDelayMs,
    });
  });

  it('doubles the wait after each further attempt, up to the cap', async () => {
    const sut = throttleOnFakeClock();
    const attempt = { username: 'alice', address: '10.0.0.1' };
    await attemptsUntilRefused(sut, attempt.address);
    const waits: number[] = [];
    for (let round = 0; round < 12; round++) {
      const refused = await sut.begin(attempt);
      if (refused.allowed) throw new Error('expected a refusal');
      waits.push(refused.retryAfterMs);
      clock += refused.retryAfterMs;
      expect((await sut.begin(attempt)).allowed).toBe(true);
    }
    expect(waits.slice(0, 5)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(Math.max(...waits)).toBe(ADDRESS_POLICY.maxDelayMs);
  });

  it('counts guesses from many addresses against the account', async () => {
    const sut = throttleOnFakeClock();
    let allowed = 0;
    for (let guess = 0; guess < 150; guess++) {
      if ((await sut.begin({ username: 'alice', address: `10.0.0.${guess % 5}` })).allowed) {
        allowed++;
      }
    }
    expect(allowed).toBe(ACCOUNT_POLICY.freeFailures);
  });

  it('keeps counters per username', async () => {
    const sut = throttleOnFakeClock();
    await attemptsUntilRefused(sut, '10.0.0.1', 'alice');
    expect((await sut.begin({ username: 'bob', address: '10.0.0.1' })).allowed).toBe(true);
  });

  it('lets the user in at an address they logged in from, while others guess elsewhere', async () => {
    const sut = throttleOnFakeClock();
    const home = { username: 'alice', address: '192.0.2.7' };
    await sut.begin(home);
    await sut.succeeded(home);
    for (let guess = 0; guess < 150; guess++) {
      await sut.begin({ username: 'alice', address: `10.0.0.${guess % 5}` });
    }

    expect((await sut.begin({ username: 'alice', address: '198.51.100.1' })).allowed).toBe(false);
    expect((await sut.begin(home)).allowed).toBe(true);
  });

  it('forgets known addresses after their lifetime', async () => {
    const sut = throttleOnFakeClock();
    const home = { username: 'alice', address: '192.0.2.7' };
    await sut.succeeded(home);
    clock += KNOWN_ADDRESS_LIFETIME_MS;
    for (let guess = 0; guess < ACCOUNT_POLICY.freeFailures; guess++) {
      await sut.begin({ username: 'alice', address: `10.0.0.${guess}` });
    }
    expect((await sut.begin(home)).allowed).toBe(false);
  });

  it('clears the address counter on success, but not the account counter', async () => {
    const sut = throttleOnFakeClock();
    const attempt = { username: 'alice', address: '10.0.0.1' };
    await attemptsUntilRefused(sut, attempt.address);
    await sut.succeeded(attempt);
    expect((await sut.begin(attempt)).allowed).toBe(true);

    for (let guess = 0; guess < 30; guess++) {
      await sut.begin({ username: 'alice', address: `10.0.1.${guess % 5}` });
    }
    await sut.succeeded({ username: 'alice', address: '10.0.1.0' });
    expect((await sut.begin({ username: 'alice', address: '10.0.2.1' })).allowed).toBe(false);
  });

  it('forgets a counter an hour after its last attempt', async () => {
    const sut = throttleOnFakeClock();
    await attemptsUntilRefused(sut, '10.0.0.1');
    clock += COUNTER_LIFETIME_MS;
    expect(await attemptsUntilRefused(sut, '10.0.0.1')).toBe(ADDRESS_POLICY.freeFailures);
  });
});
