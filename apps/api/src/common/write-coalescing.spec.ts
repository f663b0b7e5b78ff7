import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceRedisWrites } from './write-coalescing.js';

/** Counts the writes `stream` hands to the kernel (one `_write` or `_writev` each). */
function countWrites(stream: Writable): { writes: number } {
  const counter = { writes: 0 };
  const methods = stream as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['_write', '_writev']) {
    const original = methods[method]!.bind(stream);
    methods[method] = (...args: unknown[]) => {
      counter.writes += 1;
      return original(...args);
    };
  }
  return counter;
}

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)('coalesceRedisWrites (real Redis)', () => {
  const clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });

  /** A connected client whose socket counts the writes it hands to the kernel. */
  const connected = async (coalesced: boolean) => {
    const client = new Redis(redisUrl!);
    clients.push(client);
    await client.ping();
    if (coalesced) coalesceRedisWrites(client);
    return { client, counter: countWrites(client.stream) };
  };
  const incrementsOf = (client: Redis, key: string, count: number) =>
    Promise.all(Array.from({ length: count }, () => client.incr(key)));

  it('writes the commands of one event-loop turn at once, each with its own reply in order', async () => {
    const { client, counter } = await connected(true);
    const key = `spec:coalesce:${randomUUID()}`;

    const replies = await incrementsOf(client, key, 50);

    expect(replies).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(counter.writes).toBe(1);
    await client.del(key);
  });

  it('writes one command per write without it (what the spec above measures against)', async () => {
    const { client, counter } = await connected(false);
    const key = `spec:coalesce:${randomUUID()}`;

    await incrementsOf(client, key, 50);

    expect(counter.writes).toBe(50);
    await client.del(key);
  });

  it('sends the commands of later turns too', async () => {
    const { client, counter } = await connected(true);
    const key = `spec:coalesce:${randomUUID()}`;

    for (let turn = 1; turn <= 3; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(await client.incr(key)).toBe(turn);
    }

    expect(counter.writes).toBe(3);
    await client.del(key);
  });
});
