import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTokenBucket } from './token-bucket.js';

let clock = 0;
let sut: MemoryTokenBucket;

afterEach(() => sut.close());

describe('MemoryTokenBucket', () => {
  it('allows a burst of `capacity`, then refuses with the time until the next token', async () => {
    clock = 0;
    sut = new MemoryTokenBucket({ capacity: 3, refillPerSec: 2 }, () => clock);

    const decisions = [];
    for (let call = 0; call < 4; call++) decisions.push(await sut.consume('alice'));

    expect(decisions.slice(0, 3)).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
    ]);
    expect(decisions[3]).toEqual({ allowed: false, retryAfterMs: 500 });
  });

  it('refills over time, up to capacity', async () => {
    clock = 0;
    sut = new MemoryTokenBucket({ capacity: 2, refillPerSec: 1 }, () => clock);
    await sut.consume('alice');
    await sut.consume('alice');

    clock = 1_000;
    expect(await sut.consume('alice')).toEqual({ allowed: true });
    expect((await sut.consume('alice')).allowed).toBe(false);

    clock = 60_000;
    expect(await sut.consume('alice')).toEqual({ allowed: true });
    expect(await sut.consume('alice')).toEqual({ allowed: true });
    expect((await sut.consume('alice')).allowed).toBe(false);
  });

  it('keeps one bucket per key', async () => {
    clock = 0;
    sut = new MemoryTokenBucket({ capacity: 1, refillPerSec: 1 }, () => clock);
    await sut.consume('alice');

    expect(await sut.consume('bob')).toEqual({ allowed: true });
    expect((await sut.consume('alice')).allowed).toBe(false);
  });
});
