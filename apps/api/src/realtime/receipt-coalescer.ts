import type { ReceiptUpdate } from '@parley/protocol';

/**
 * How long a member's further receipts in a conversation are held after one went out: the most
 * contract v2 section 4 allows. A reader's delivered and read receipts for what they just saw,
 * and the web app's delivered batches (one per 150 ms while messages flow), fall within it, so
 * a member costs a busy group at most 4 receipt:updates a second instead of one per receipt.
 * An isolated receipt still goes out at once; only a member's further ticks lag, by a quarter
 * of a second at most.
 */
export const RECEIPT_WINDOW_MS = 250;

interface Window {
  timer: NodeJS.Timeout;
  /** The latest receipt that arrived during the window, sent when it ends. */
  held?: ReceiptUpdate;
}

/**
 * Per node, per (conversation, member): the first receipt:update goes out at once, the ones
 * that follow within the window are held, and when it ends only the latest goes out (it opens
 * the next window): watermarks only grow, so the latest carries the others. Nodes coalesce
 * independently; a window is dropped when it ends with nothing held, so memory follows the
 * members active in the last window.
 */
export class ReceiptCoalescer {
  private readonly windows = new Map<string, Window>();
  private closed = false;

  constructor(
    private readonly options: {
      windowMs: number;
      publish: (receipt: ReceiptUpdate) => void;
      /** A receipt that will not go out on its own: a later one carries it. */
      onCoalesced?: () => void;
    },
  ) {}

  submit(receipt: ReceiptUpdate): void {
    if (this.closed) {
      this.options.publish(receipt);
      return;
    }
    const key = `${receipt.conversationId} ${receipt.userId}`;
    const window = this.windows.get(key);
    if (!window) {
      this.options.publish(receipt);
      this.openWindow(key);
      return;
    }
    if (window.held) this.options.onCoalesced?.();
    // Field by field: two batches in flight can answer in either order.
    window.held = window.held
      ? {
          ...receipt,
          deliveredSeq: Math.max(window.held.deliveredSeq, receipt.deliveredSeq),
          readSeq: Math.max(window.held.readSeq, receipt.readSeq),
        }
      : receipt;
  }

  /** Sends what is held and from then on sends every receipt at once (the node is stopping). */
  close(): void {
    this.closed = true;
    for (const window of this.windows.values()) {
      clearTimeout(window.timer);
      if (window.held) this.options.publish(window.held);
    }
    this.windows.clear();
  }

  private openWindow(key: string): void {
    const timer = setTimeout(() => this.windowEnded(key), this.options.windowMs);
    // A pending window must not keep a stopping process alive; close() sends what it holds.
    timer.unref();
    this.windows.set(key, { timer });
  }

  private windowEnded(key: string): void {
    const held = this.windows.get(key)?.held;
    this.windows.delete(key);
    if (!held) return;
    this.options.publish(held);
    this.openWindow(key);
  }
}
