import type { Ack, Message, ReceiptUpdate } from '@parley/protocol';
import type { DeliveryLedger } from './delivery-ledger.js';
import type { LoadClient } from './load-client.js';
import type { ClientBehaviour } from './options.js';
import { Counter, LatencyHistogram, type LatencySummary } from './stats.js';
import { sleep } from './util.js';

/** The web app's batching of delivered receipts (apps/web use-chat-events.ts). */
const DELIVERED_BATCH_MS = 150;
/** A read comes this long after the message arrived: the user looks at the screen. */
const READ_DELAY_MS = [200, 1_000] as const;
/** A typing episode: `typing` true, then false this much later. */
const TYPING_EPISODE_MS = 1_500;
/** Contract v2 section 4: a node may hold a receipt:update back this long to coalesce it. */
const COALESCING_WINDOW_MS = 250;
/** A churned user is offline this long, then reconnects and syncs. */
const OFFLINE_MS = [1_000, 4_000] as const;

const between = ([low, high]: readonly [number, number]) => low + Math.random() * (high - low);

type ReceiptKind = 'delivered' | 'read';

/** A receipt command whose effect the sender of the message it covers has not seen yet. */
interface PendingReceipt {
  kind: ReceiptKind;
  seq: number;
  /** The socket that sent the message `seq`: it should hear a `receipt:update` covering it. */
  observer: LoadClient;
  sentAt: number;
  measured: boolean;
}

/** What the real clients' traffic cost and how fast it went, for one step. */
export class ReceiptStepStats {
  readonly deliveredAck = new LatencyHistogram();
  readonly readAck = new LatencyHistogram();
  /** Both kinds together. */
  readonly receiptAck = new LatencyHistogram();
  /** From a receipt command's emit until the message's sender got a `receipt:update` covering it. */
  readonly fanOutLag = new LatencyHistogram();
  readonly errors = new Counter();
  deliveredSent = 0;
  readSent = 0;
  receiptUpdates = 0;
  typingSent = 0;
  typingReceived = 0;
  disconnects = 0;
  /**
   * Covered first by a later message of the same member (a send moves its sender's watermarks,
   * so the receipt may move nothing and cause no update): no lag sample. Many of these at a low
   * rate mean the updates come later than the member's next message.
   */
  coveredByMessage = 0;
  /** Neither: a receipt whose effect the message's sender never saw. */
  uncovered = 0;
  /** The message's sender went offline (churn) before it could see the update. */
  observerOffline = 0;
  /** Measured receipt commands without an ack yet. */
  unanswered = 0;
  /** Measured receipt commands on the wire when their socket dropped (churn): no ack will come. */
  droppedWithSocket = 0;

  constructor(
    readonly measureStart: number,
    readonly measureEnd: number,
  ) {}

  inWindow(at: number): boolean {
    return at >= this.measureStart && at < this.measureEnd;
  }
}

export interface ReceiptSummary {
  deliveredSent: number;
  readSent: number;
  deliveredAck: LatencySummary;
  readAck: LatencySummary;
  /** Both kinds of receipt command together. */
  receiptAck: LatencySummary;
  fanOutLag: LatencySummary;
  receiptUpdatesPerMessage: number;
  typingSent: number;
  typingReceived: number;
  disconnects: number;
  coveredByMessage: number;
  uncovered: number;
  observerOffline: number;
  unanswered: number;
  droppedWithSocket: number;
  errors: Record<string, number>;
}

/**
 * What real clients do besides sending, on top of the load clients of a messaging step:
 * delivered receipts per conversation every 150 ms, reads of part of what arrives, typing
 * episodes, and presence churn (users drop, come back seconds later and sync, as the SDK does).
 * Messages still go through the delivery ledger, so loss and duplicates stay exact under churn.
 */
export class RealClients {
  private stats?: ReceiptStepStats;
  private readonly pending = new Map<string, PendingReceipt[]>();
  /** Per socket: conversation -> highest seq waiting for the next delivered batch, and its sender. */
  private readonly deliveredBatch = new Map<
    LoadClient,
    Map<string, { seq: number; sender: LoadClient }>
  >();
  private readonly deliveredTimers = new Map<LoadClient, ReturnType<typeof setTimeout>>();
  private readonly highestSent = new Map<string, number>();
  /** Per socket, its measured receipt commands waiting for their ack. */
  private readonly onWire = new Map<
    LoadClient,
    Set<{ dropped: boolean; stats: ReceiptStepStats }>
  >();
  private readonly typing = new Set<LoadClient>();
  private readonly offlineUsers = new Set<number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private churnTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly behaviour: ClientBehaviour,
    private readonly ledger: DeliveryLedger,
    private readonly clients: LoadClient[],
    /** Users' ids by user index; client i is user i mod users. */
    private readonly userIds: string[],
  ) {
    ledger.onMessage = (client, message) => this.onMessage(client, message);
    for (const client of clients) {
      client.socket.on('receipt:update', (update) => this.onReceiptUpdate(client, update));
      client.socket.on('typing', () => {
        if (this.stats?.inWindow(performance.now())) this.stats.typingReceived++;
      });
      client.socket.on('disconnect', () => this.onDisconnect(client));
    }
  }

  private userIdOf(client: LoadClient): string {
    return this.userIds[client.index % this.userIds.length]!;
  }

  /** Starts counting into a new step (its measurement window) and starts the churn. */
  startStep(measureStart: number, measureEnd: number): ReceiptStepStats {
    this.stats = new ReceiptStepStats(measureStart, measureEnd);
    if (this.behaviour.churnPercentPerMin > 0) this.scheduleChurn();
    return this.stats;
  }

  /** Ends the churn: every user is connected again (and syncing) before the step settles. */
  stopChurn(): void {
    clearTimeout(this.churnTimer);
    this.churnTimer = undefined;
    for (const client of this.clients) {
      if (this.offlineUsers.has(client.index % this.userIds.length)) client.connect();
    }
    this.offlineUsers.clear();
  }

  /**
   * Waits (at most `timeoutMs`) for the acks of the step's receipt commands, then for the
   * updates they cause: a node may hold one back for up to 250 ms to coalesce it.
   */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while ((this.stats?.unanswered ?? 0) > 0 && performance.now() < deadline) await sleep(50);
    await sleep(COALESCING_WINDOW_MS + 50);
  }

  /**
   * Counts the receipts whose update the message's sender never saw; call once the step has
   * settled. `measuredMessages`: messages sent inside the measurement window.
   */
  finishStep(measuredMessages: number): ReceiptSummary {
    const stats = this.stats!;
    for (const list of this.pending.values()) {
      stats.uncovered += list.filter((receipt) => receipt.measured).length;
    }
    this.pending.clear();
    const messages = Math.max(1, measuredMessages);
    return {
      deliveredSent: stats.deliveredSent,
      readSent: stats.readSent,
      deliveredAck: stats.deliveredAck.summary(),
      readAck: stats.readAck.summary(),
      receiptAck: stats.receiptAck.summary(),
      fanOutLag: stats.fanOutLag.summary(),
      receiptUpdatesPerMessage: stats.receiptUpdates / messages,
      typingSent: stats.typingSent,
      typingReceived: stats.typingReceived,
      disconnects: stats.disconnects,
      coveredByMessage: stats.coveredByMessage,
      uncovered: stats.uncovered,
      observerOffline: stats.observerOffline,
      unanswered: stats.unanswered,
      droppedWithSocket: stats.droppedWithSocket,
      errors: { ...stats.errors.counts },
    };
  }

  close(): void {
    clearTimeout(this.churnTimer);
    for (const timer of [...this.timers, ...this.deliveredTimers.values()]) clearTimeout(timer);
    this.timers.clear();
    this.deliveredTimers.clear();
  }

  private later(delayMs: number, work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, delayMs);
    this.timers.add(timer);
  }

  private onMessage(client: LoadClient, message: Message): void {
    // Sending moves the sender's own watermarks, with no receipt:update (contract section 3).
    this.resolve(
      `${message.conversationId}|${message.senderId}`,
      client,
      message.seq,
      message.seq,
      () => this.stats!.coveredByMessage++,
    );
    if (message.senderId === this.userIdOf(client)) return;
    const record = this.ledger.records.get(message.clientMsgId);
    if (!record) return;
    const sender = record.sender;
    const { conversationId, seq } = message;
    if (this.behaviour.receipts) {
      let batch = this.deliveredBatch.get(client);
      if (!batch) this.deliveredBatch.set(client, (batch = new Map()));
      const queued = batch.get(conversationId);
      if (!queued || queued.seq < seq) batch.set(conversationId, { seq, sender });
      if (!this.deliveredTimers.has(client)) {
        this.deliveredTimers.set(
          client,
          setTimeout(() => this.flushDelivered(client), DELIVERED_BATCH_MS),
        );
      }
    }
    if (Math.random() < this.behaviour.readShare) {
      this.later(between(READ_DELAY_MS), () =>
        this.sendReceipt(client, 'read', conversationId, seq, sender),
      );
    }
    // Per message, not per recipient: in a 50-member group, 49 recipients each starting to type
    // at the typing share would have everyone typing all the time.
    const typingChance = this.behaviour.typingShare / record.flags.length;
    if (!this.typing.has(client) && Math.random() < typingChance) {
      this.typing.add(client);
      this.sendTyping(client, conversationId, true);
      this.later(TYPING_EPISODE_MS, () => {
        this.typing.delete(client);
        this.sendTyping(client, conversationId, false);
      });
    }
  }

  private flushDelivered(client: LoadClient): void {
    this.deliveredTimers.delete(client);
    const batch = this.deliveredBatch.get(client);
    if (!batch) return;
    for (const [conversationId, { seq, sender }] of batch) {
      this.sendReceipt(client, 'delivered', conversationId, seq, sender);
    }
    batch.clear();
  }

  private sendReceipt(
    client: LoadClient,
    kind: ReceiptKind,
    conversationId: string,
    seq: number,
    observer: LoadClient,
  ): void {
    const stats = this.stats;
    // An offline client sends nothing: after its sync the next batch covers what it missed.
    if (!stats || !client.socket.connected) return;
    const sentKey = `${client.index}|${kind}|${conversationId}`;
    if ((this.highestSent.get(sentKey) ?? 0) >= seq) return;
    this.highestSent.set(sentKey, seq);
    const sentAt = performance.now();
    const measured = stats.inWindow(sentAt);
    if (measured) {
      if (kind === 'delivered') stats.deliveredSent++;
      else stats.readSent++;
    }
    const key = `${conversationId}|${this.userIdOf(client)}`;
    if (observer !== client) {
      const list = this.pending.get(key) ?? [];
      list.push({ kind, seq, observer, sentAt, measured });
      this.pending.set(key, list);
    }
    const command = { dropped: false, stats };
    if (measured) {
      stats.unanswered++;
      let commands = this.onWire.get(client);
      if (!commands) this.onWire.set(client, (commands = new Set()));
      commands.add(command);
    }
    const onAck = (answer: Ack<object>) => {
      if (!measured || command.dropped) return;
      this.onWire.get(client)?.delete(command);
      stats.unanswered--;
      if (!answer.ok) {
        stats.errors.add(`${kind}:${answer.error.code}`);
        return;
      }
      const latency = performance.now() - sentAt;
      (kind === 'delivered' ? stats.deliveredAck : stats.readAck).recordMs(latency);
      stats.receiptAck.recordMs(latency);
    };
    if (kind === 'delivered') {
      client.socket.emit('message:delivered', { conversationId, seq }, onAck);
    } else {
      client.socket.emit('message:read', { conversationId, seq }, onAck);
    }
  }

  private sendTyping(client: LoadClient, conversationId: string, isTyping: boolean): void {
    const stats = this.stats;
    if (!stats || !client.socket.connected) return;
    if (stats.inWindow(performance.now())) stats.typingSent++;
    client.socket.emit('typing', { conversationId, isTyping }, (answer) => {
      if (!answer.ok && stats.inWindow(performance.now())) {
        stats.errors.add(`typing:${answer.error.code}`);
      }
    });
  }

  private onReceiptUpdate(client: LoadClient, update: ReceiptUpdate): void {
    const now = performance.now();
    const stats = this.stats;
    if (!stats) return;
    if (stats.inWindow(now)) stats.receiptUpdates++;
    const key = `${update.conversationId}|${update.userId}`;
    this.resolve(key, client, update.deliveredSeq, update.readSeq, (receipt) =>
      stats.fanOutLag.recordMs(now - receipt.sentAt),
    );
  }

  /** Settles `observer`'s pending receipts of `key` that these watermarks cover. */
  private resolve(
    key: string,
    observer: LoadClient,
    deliveredSeq: number,
    readSeq: number,
    onCovered: (receipt: PendingReceipt) => void,
  ): void {
    const list = this.pending.get(key);
    if (!list) return;
    const remaining = list.filter((receipt) => {
      if (receipt.observer !== observer) return true;
      if ((receipt.kind === 'delivered' ? deliveredSeq : readSeq) < receipt.seq) return true;
      if (receipt.measured) onCovered(receipt);
      return false;
    });
    if (remaining.length > 0) this.pending.set(key, remaining);
    else this.pending.delete(key);
  }

  private onDisconnect(client: LoadClient): void {
    clearTimeout(this.deliveredTimers.get(client));
    this.deliveredTimers.delete(client);
    this.deliveredBatch.get(client)?.clear();
    const commands = this.onWire.get(client);
    for (const command of commands ?? []) {
      command.dropped = true;
      command.stats.unanswered--;
      command.stats.droppedWithSocket++;
    }
    commands?.clear();
    // Updates sent while it is away are lost to it (receipts are not synced): not the server's fault.
    for (const [key, list] of this.pending) {
      const remaining = list.filter((receipt) => {
        if (receipt.observer !== client) return true;
        if (receipt.measured && this.stats) this.stats.observerOffline++;
        return false;
      });
      if (remaining.length > 0) this.pending.set(key, remaining);
      else this.pending.delete(key);
    }
  }

  /** A few percent of the users per minute drop all their sockets, then come back and sync. */
  private scheduleChurn(): void {
    const users = this.userIds.length;
    const gapMs = 60_000 / ((users * this.behaviour.churnPercentPerMin) / 100);
    this.churnTimer = setTimeout(
      () => {
        this.disconnectOne(Math.floor(Math.random() * users));
        this.scheduleChurn();
      },
      gapMs * (0.5 + Math.random()),
    );
  }

  private disconnectOne(userIndex: number): void {
    const users = this.userIds.length;
    if (this.offlineUsers.has(userIndex)) return;
    this.offlineUsers.add(userIndex);
    const sockets = this.clients.filter((client) => client.index % users === userIndex);
    for (const client of sockets) {
      if (this.stats?.inWindow(performance.now())) this.stats.disconnects++;
      client.close();
    }
    this.later(between(OFFLINE_MS), () => {
      if (!this.offlineUsers.delete(userIndex)) return;
      // LoadClient syncs from its cursors on every connect after the first, as the SDK does.
      for (const client of sockets) client.connect();
    });
  }
}
