import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LEASE_TTL_MS, MAX_LEASE, RedisTokenBucket } from './redis-token-bucket.js';
import { MemoryTokenBucket, type RateDecision } from './token-bucket.js';

// Two RedisTokenBucket instances on one Redis stand for two nodes sharing a user's bucket.
const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)('RedisTokenBucket (real Redis)', () => {
  let redis: Redis;
  let monitor: Redis;
  let clock = 0;
  const opened: { close(): void }[] = [];
  /** Every command Redis ran, as MONITOR reports it. */
  const seen: string[][] = [];

  beforeAll(async () => {
    redis = new Redis(redisUrl!);
    // Until then the buckets would answer from their per-node fallback.
    await redis.ping();
    monitor = await redis.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
  });
  afterAll(async () => {
    monitor.disconnect();
    await redis.quit();
  });
  afterEach(() => {
    for (const bucket of opened.splice(0)) bucket.close();
  });

  /** The trips to Redis for bucket `name` so far (each an EVALSHA of the bucket's key). */
  const tripsTo = async (name: string) => {
    const marker = `spec-marker-${randomUUID()}`;
    await redis.echo(marker);
    await vi.waitUntil(() => seen.some((args) => args.includes(marker)));
    // The script's own HMGET/HSET show up too: count the scripts (EVAL the first time).
    return seen.filter(
      ([command, , , key]) =>
        /^evalsha$|^eval$/i.test(command ?? '') && key?.startsWith(`parley:rate:${name}:`),
    ).length;
  };

  /** A node's bucket named `name`, leasing unless `maxLease` says otherwise. */
  const node = (
    name: string,
    size: { capacity: number; refillPerSec: number; maxLease?: number },
  ) => {
    const fallback = new MemoryTokenBucket(size);
    const options = { maxLease: MAX_LEASE, ...size };
    const bucket = new RedisTokenBucket(redis, name, options, fallback, () => clock);
    opened.push(bucket, fallback);
    return bucket;
  };
  const consumeMany = async (bucket: RedisTokenBucket, key: string, count: number) => {
    const decisions: RateDecision[] = [];
    for (let call = 0; call < count; call++) decisions.push(await bucket.consume(key));
    return decisions;
  };
  const allowedCount = (decisions: RateDecision[]) =>
    decisions.filter((decision) => decision.allowed).length;

  it('serves a key far below its limit from a local lease, not one Redis trip per event', async () => {
    const name = `spec-${randomUUID()}`;
    const bucket = node(name, { capacity: 1000, refillPerSec: 1 });

    const decisions = await consumeMany(bucket, 'alice', 20);

    expect(allowedCount(decisions)).toBe(20);
    expect(await tripsTo(name)).toBeLessThanOrEqual(2);
  });

  it('never allows more than the bucket across two nodes, and refuses with the time to wait', async () => {
    const name = `spec-${randomUUID()}`;
    const size = { capacity: 60, refillPerSec: 0.001 };
    const [node1, node2] = [node(name, size), node(name, size)];

    const decisions: RateDecision[] = [];
    for (let round = 0; round < 50; round++) {
      decisions.push(await node1.consume('bob'), await node2.consume('bob'));
    }

    // Each node may hold a lease the other cannot use: a few tokens refused early, none extra.
    expect(allowedCount(decisions)).toBeLessThanOrEqual(60);
    expect(allowedCount(decisions)).toBeGreaterThanOrEqual(60 - 2 * 7);
    const refused = decisions.find((decision) => !decision.allowed);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: expect.any(Number) });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
  });

  it('takes every token in Redis near the limit: a small bucket is exact across nodes', async () => {
    const name = `spec-${randomUUID()}`;
    const size = { capacity: 4, refillPerSec: 0.001 };
    const [node1, node2] = [node(name, size), node(name, size)];

    const first = await consumeMany(node1, 'carol', 4);
    const elsewhere = await node2.consume('carol');
    const again = await node1.consume('carol');

    expect(allowedCount(first)).toBe(4);
    expect(elsewhere.allowed).toBe(false);
    expect(again.allowed).toBe(false);
  });

  it('drops a lease after its time: the key goes back to Redis', async () => {
    const name = `spec-${randomUUID()}`;
    const bucket = node(name, { capacity: 1000, refillPerSec: 1 });
    clock = 0;
    await bucket.consume('dave');
    await bucket.consume('dave');
    expect(await tripsTo(name)).toBe(1);

    clock = LEASE_TTL_MS;
    await bucket.consume('dave');

    expect(await tripsTo(name)).toBe(2);
  });

  it('without leases takes every token in Redis: a large bucket is exact across nodes too', async () => {
    const name = `spec-${randomUUID()}`;
    const size = { capacity: 30, refillPerSec: 0.001, maxLease: 0 };
    const [node1, node2] = [node(name, size), node(name, size)];

    const first = await consumeMany(node1, 'erin', 29);
    const last = await node2.consume('erin');
    const elsewhere = await node2.consume('erin');

    expect(allowedCount(first)).toBe(29);
    expect(last.allowed).toBe(true);
    expect(elsewhere.allowed).toBe(false);
    expect(await tripsTo(name)).toBe(31);
  });
});
