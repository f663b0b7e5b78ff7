import { describe, expect, it } from 'vitest';
import { CommitBatcher } from './commit-batcher.js';

class ItemError extends Error {}

/** A write that holds each batch until the test releases it, and records what it was given. */
function heldWrites() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const write = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((release) => releases.push(release));
    if (items.length > 1 && items.includes(13)) throw new ItemError('13 spoils its batch');
    if (items.includes(13)) throw new ItemError('13 alone');
    if (items.includes(-1)) throw new Error('database down');
    return items.map((item) => item * 10);
  };
  // Later batches start a turn or two after the earlier ones end: a few quiet turns mean done.
  const releaseAll = async () => {
    for (let quietTurns = 0; quietTurns < 3; quietTurns += 1) {
      if (releases.length > 0) quietTurns = 0;
      releases.splice(0).forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { batches, write, releaseAll };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const batcherOver = (
  writes: ReturnType<typeof heldWrites>,
  limits: { maxBatch: number; maxInFlight: number },
) =>
  new CommitBatcher({
    write: writes.write,
    isItemError: (error) => error instanceof ItemError,
    ...limits,
  });

describe('CommitBatcher', () => {
  it('writes what arrives while a batch is in flight as one batch, answering each item', async () => {
    const writes = heldWrites();
    const batcher = batcherOver(writes, { maxBatch: 100, maxInFlight: 1 });
    const first = batcher.submit(1);
    await nextTurn();
    const later = [2, 3, 4].map((item) => batcher.submit(item));
    await nextTurn();
    expect(writes.batches).toEqual([[1]]);

    await writes.releaseAll();
    expect(await first).toBe(10);
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    expect(writes.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('caps a batch at maxBatch and keeps at most maxInFlight batches writing', async () => {
    const writes = heldWrites();
    const batcher = batcherOver(writes, { maxBatch: 2, maxInFlight: 2 });
    const results = [1, 2, 3, 4, 5].map((item) => batcher.submit(item));
    await nextTurn();
    expect(writes.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    await writes.releaseAll();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(writes.batches.at(-1)).toEqual([5]);
  });

  it('writes each item alone after an item error: only the item at fault fails', async () => {
    const writes = heldWrites();
    const batcher = batcherOver(writes, { maxBatch: 100, maxInFlight: 1 });
    const results = [12, 13, 14].map((item) => batcher.submit(item).catch((error) => error));
    await nextTurn();
    await writes.releaseAll();
    const [twelve, thirteen, fourteen] = await Promise.all(results);
    expect(twelve).toBe(120);
    expect(thirteen).toBeInstanceOf(ItemError);
    expect((thirteen as Error).message).toBe('13 alone');
    expect(fourteen).toBe(140);
  });

  it('fails the whole batch once on an error that is not an item error', async () => {
    const writes = heldWrites();
    const batcher = batcherOver(writes, { maxBatch: 100, maxInFlight: 1 });
    const results = [1, -1, 2].map((item) => batcher.submit(item).catch((error) => error));
    await nextTurn();
    await writes.releaseAll();
    for (const result of await Promise.all(results)) {
      expect((result as Error).message).toBe('database down');
    }
    expect(writes.batches).toEqual([[1, -1, 2]]);
  });

  it('is drained only when nothing is pending or being written', async () => {
    const writes = heldWrites();
    const batcher = batcherOver(writes, { maxBatch: 1, maxInFlight: 1 });
    await batcher.drained();
    const written: number[] = [];
    for (const item of [1, 2]) void batcher.submit(item).then((result) => written.push(result));
    let drained = false;
    void batcher.drained().then(() => (drained = true));
    await nextTurn();
    expect(drained).toBe(false);
    await writes.releaseAll();
    await nextTurn();
    expect(drained).toBe(true);
    expect(written).toEqual([10, 20]);
  });
});
