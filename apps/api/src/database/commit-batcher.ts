export interface CommitBatcherOptions<Item, Result> {
  /**
   * Writes the items in one statement and one commit; answers one result per item, in order.
   * Item-level refusals (not a member, say) are results, not errors.
   */
  write: (items: Item[]) => Promise<Result[]>;
  /**
   * An error of a batch that one of its items may have caused alone (a constraint it broke, a
   * deadlock): each item is then written again on its own, so the rest still succeed. Any other
   * error (the database is down) fails the whole batch at once rather than N times over.
   */
  isItemError: (error: unknown) => boolean;
  /** The most items in one batch. */
  maxBatch: number;
  /** Batches written at once; the others wait and grow meanwhile. */
  maxInFlight: number;
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: what is submitted while earlier batches are being written waits and goes to
 * PostgreSQL together, in one round trip and one commit (one WAL flush) however many items it
 * holds. No timer: at low load an item is written in the event-loop turn after it arrives, with
 * whatever arrived in the same turn, and batches only grow when the database is busy, which is
 * exactly when fewer, larger commits pay.
 */
export class CommitBatcher<Item, Result> {
  private pending: Pending<Item, Result>[] = [];
  private inFlight = 0;
  private flushScheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: CommitBatcherOptions<Item, Result>) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Resolves once everything submitted so far has been written (for a graceful shutdown). */
  drained(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight >= this.options.maxInFlight) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: the socket packets read in the same poll phase join in.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.writeBatch(batch).finally(() => {
        this.inFlight -= 1;
        if (this.pending.length > 0) this.scheduleFlush();
        else if (this.inFlight === 0) this.wakeIdleWaiters();
      });
    }
  }

  private async writeBatch(batch: Pending<Item, Result>[]): Promise<void> {
    try {
      const results = await this.options.write(batch.map((pending) => pending.item));
      batch.forEach((pending, index) => pending.resolve(results[index] as Result));
    } catch (error) {
      if (batch.length > 1 && this.options.isItemError(error)) {
        await Promise.all(batch.map((pending) => this.writeBatch([pending])));
      } else {
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
