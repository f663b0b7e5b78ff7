import { setTimeout as sleep } from 'node:timers/promises';
import type { PresenceEvent } from '@parley/protocol';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { freePort } from '../../../../bench/src/free-port.js';
import { ApiNode, PrivateRedis } from '../support/cluster.js';
import {
  createDirect,
  createGroup,
  registerUser,
  type ChatSocket,
  type Session,
} from '../support/chat-client.js';
import { LatencyProxy } from '../support/latency-proxy.js';
import { httpClient } from '../support/test-app.js';

// Two nodes need one shared PostgreSQL: the suite runs when the run has a server database.
const databaseUrl = inject('databaseUrl');
// Node "slow" reaches Redis over this much delay each way, as over a real network; node "fast"
// reaches it directly. Then a registration on the slow node lands after a removal on the fast
// one unless the server orders them, every time rather than once in a while.
const REDIS_DELAY_MS = 15;
const SWITCHES = 30;
const RANDOM_STEPS = 30;
// Group adds while the user's last socket closes: the close comes this much later each round,
// sweeping the add's whole run on the slow node.
const INTRODUCTION_ROUNDS = 30;
const CLOSE_DELAY_STEP_MS = 5;

/** One socket of the user, as the test sees it: connected from `connect` until we call close. */
interface TrackedSocket {
  socket: ChatSocket;
  connectedAt?: number;
  closedAt?: number;
  settled: boolean;
}

/** Every socket a user opened, and whether they had a connected one at a given moment. */
class GroundTruth {
  readonly sockets: TrackedSocket[] = [];

  constructor(private readonly session: Session) {}

  open(node: ApiNode): TrackedSocket {
    const tracked: TrackedSocket = { socket: openSocket(node, this.session), settled: false };
    tracked.socket.once('connect', () => {
      tracked.settled = true;
      if (tracked.closedAt === undefined) tracked.connectedAt = Date.now();
    });
    tracked.socket.once('connect_error', () => {
      tracked.settled = true;
      tracked.closedAt ??= Date.now();
    });
    this.sockets.push(tracked);
    return tracked;
  }

  /** Resolves on the `connect` event itself: what the caller does next races the server. */
  connect(node: ApiNode): Promise<TrackedSocket> {
    const tracked = this.open(node);
    return new Promise((resolve, reject) => {
      tracked.socket.once('connect', () => resolve(tracked));
      tracked.socket.once('connect_error', reject);
    });
  }

  close(tracked: TrackedSocket): void {
    tracked.closedAt ??= Date.now();
    tracked.settled = true;
    tracked.socket.close();
  }

  get live(): TrackedSocket[] {
    return this.sockets.filter((tracked) => tracked.closedAt === undefined);
  }

  get connectedNow(): boolean {
    return this.live.some((tracked) => tracked.connectedAt !== undefined);
  }

  /**
   * Whether connected sockets covered every millisecond from `from` to `to`. Bounds are strict:
   * a socket that connected or closed within the same millisecond as a gap does not cover it.
   */
  coveredThroughout(from: number, to: number): boolean {
    let moment = from;
    while (moment <= to) {
      let reach = -Infinity;
      for (const { connectedAt, closedAt } of this.sockets) {
        if (connectedAt === undefined || connectedAt >= moment) continue;
        const end = closedAt ?? Infinity;
        if (end > moment) reach = Math.max(reach, end);
      }
      if (reach === -Infinity) return false;
      moment = reach;
    }
    return true;
  }
}

/** What one peer socket was told about one user, in order, with when it heard it. */
class PresenceView {
  readonly events: (PresenceEvent & { receivedAt: number })[] = [];

  constructor(
    readonly socket: ChatSocket,
    userId: string,
  ) {
    socket.on('presence', (event) => {
      if (event.userId === userId) this.events.push({ ...event, receivedAt: Date.now() });
    });
  }

  /** The statuses in order, a repeat of the one before left out (a snapshot can repeat one). */
  get changes(): string[] {
    return this.events
      .map((event) => event.status)
      .filter((status, index, statuses) => status !== statuses[index - 1]);
  }

  get shown(): PresenceEvent['status'] {
    return this.events.at(-1)?.status ?? 'offline';
  }

  /** "offline" events that arrived while the user had been connected since the decision. */
  offlineWhileConnected(truth: GroundTruth) {
    return this.events.filter(
      (event) =>
        event.status === 'offline' &&
        truth.coveredThroughout(Date.parse(event.lastSeenAt!), event.receivedAt),
    );
  }
}

function openSocket(node: ApiNode, session: Session): ChatSocket {
  const socket: ChatSocket = io(node.baseUrl, {
    auth: { token: session.accessToken },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  opened.push(socket);
  return socket;
}

/** A small seeded generator, so a failing interleaving can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const opened: ChatSocket[] = [];
let redis: PrivateRedis;
let proxy: LatencyProxy;
let fast: ApiNode;
let slow: ApiNode;
let http: ReturnType<typeof httpClient>;

describe.skipIf(!databaseUrl)('presence across two nodes', () => {
  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    proxy = await LatencyProxy.start({ host: '127.0.0.1', port: redis.port }, REDIS_DELAY_MS);
    const environment = {
      DATABASE_URL: databaseUrl,
      AUTH_RATE_PER_MIN: '100000',
      GROUP_CHANGE_RATE_PER_MIN: '100000',
    };
    [fast, slow] = await Promise.all([
      ApiNode.start({ ...environment, REDIS_URL: redis.url }),
      ApiNode.start({ ...environment, REDIS_URL: `redis://127.0.0.1:${proxy.port}` }),
    ]);
    http = httpClient(fast.baseUrl);
  });
  afterEach(() => {
    for (const socket of opened.splice(0)) socket.close();
  });
  afterAll(async () => {
    await Promise.all([fast, slow].map((node) => node?.stop('SIGKILL')));
    await proxy?.close();
    await redis?.kill();
  });

  it('never shows a user offline while they switch nodes, connecting before closing', async () => {
    const [peer, user] = await Promise.all([registerUser(http), registerUser(http)]);
    await createDirect(http, user, peer);
    const views = [
      new PresenceView(new GroundTruth(peer).open(fast).socket, user.user.id),
      new PresenceView(new GroundTruth(peer).open(slow).socket, user.user.id),
    ];
    await vi.waitFor(
      () =>
        expect(
          views.every((view) => view.socket.connected),
          'the peer',
        ).toBe(true),
      { timeout: 5_000 },
    );
    const truth = new GroundTruth(user);

    let current = await truth.connect(fast);
    for (let step = 0; step < SWITCHES; step++) {
      const next = await truth.connect(step % 2 === 0 ? slow : fast);
      truth.close(current);
      current = next;
    }
    await sleep(300);
    truth.close(current);
    await vi.waitFor(
      () =>
        expect(
          views.every((view) => view.shown === 'offline'),
          'offline',
        ).toBe(true),
      { timeout: 5_000 },
    );
    await sleep(200);

    for (const view of views) {
      expect(view.offlineWhileConnected(truth)).toEqual([]);
      expect(view.changes).toEqual(['online', 'offline']);
    }
  });

  it('sends the presence snapshot after `connect`, never before it', async () => {
    const [peer, user] = await Promise.all([registerUser(http), registerUser(http)]);
    await createDirect(http, user, peer);
    await new GroundTruth(user).connect(slow);

    for (const node of [fast, slow]) {
      const socket = openSocket(node, peer);
      const packets: string[] = [];
      socket.io.on('packet', (packet) => {
        packets.push(packet.type === 0 ? 'connect' : String(packet.data?.[0]));
      });
      await vi.waitFor(() => expect(packets.includes('presence'), 'the snapshot').toBe(true), {
        timeout: 5_000,
      });
      expect(packets.slice(0, 2)).toEqual(['connect', 'presence']);
    }
  });

  it('ends every peer in the true state through random connects and closes on both nodes', async () => {
    const seed = Date.now();
    const random = randomSource(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const peer = await registerUser(http);
    const users = await Promise.all([1, 2, 3].map(() => registerUser(http)));
    for (const user of users) await createDirect(http, user, peer);
    const peerTruth = new GroundTruth(peer);
    const truthByUser = new Map<string, GroundTruth>();
    const watch = (node: ApiNode) => {
      const socket = peerTruth.open(node).socket;
      return users.map((user) => new PresenceView(socket, user.user.id));
    };
    // Observers per user; some join midway, so their snapshot races the live events.
    const observers = users.map(() => [] as PresenceView[]);
    const addObservers = () =>
      watch(pick([fast, slow])).forEach((view, index) => observers[index]!.push(view));
    addObservers();
    addObservers();

    await Promise.all(
      users.map(async (user, index) => {
        const truth = new GroundTruth(user);
        truthByUser.set(user.user.id, truth);
        for (let step = 0; step < RANDOM_STEPS; step++) {
          const roll = random();
          if (roll < 0.45 && truth.live.length < 4) truth.open(pick([fast, slow]));
          else if (roll < 0.85 && truth.live.length > 0) truth.close(pick(truth.live));
          else if (roll < 0.9 && index === 0) addObservers();
          await sleep(Math.floor(random() * 12));
        }
        await vi.waitFor(
          () =>
            expect(
              truth.sockets.every((tracked) => tracked.settled),
              'ends',
            ).toBe(true),
          { timeout: 5_000 },
        );
      }),
    );

    const settled = () =>
      users.every((user, index) => {
        const expected = truthByUser.get(user.user.id)!.connectedNow ? 'online' : 'offline';
        return observers[index]!.every((view) => view.shown === expected);
      });
    // What each user's sockets did and what each peer socket heard, to read a failure.
    const failure = (message: string) =>
      [
        `${message} (seed ${seed})`,
        ...users.flatMap((user, index) => [
          `user ${index}: ${JSON.stringify(
            truthByUser
              .get(user.user.id)!
              .sockets.map((tracked) => [tracked.connectedAt ?? null, tracked.closedAt ?? null]),
          )}`,
          ...observers[index]!.map((view) => `  heard ${JSON.stringify(view.events)}`),
        ]),
      ].join('\n');
    await vi
      .waitFor(() => expect(settled(), 'every peer to show the true state').toBe(true), {
        timeout: 5_000,
      })
      .catch(() => {
        throw new Error(failure('peers did not end in the true state'));
      });
    await sleep(300);
    expect(settled(), failure('a late event changed a settled state')).toBe(true);
    users.forEach((user, index) => {
      const truth = truthByUser.get(user.user.id)!;
      for (const view of observers[index]!) {
        expect(view.offlineWhileConnected(truth), failure('offline while connected')).toEqual([]);
      }
    });
  });

  it('never leaves a peer showing a user online after an introduction raced their last close', async () => {
    const [owner, user] = await Promise.all([registerUser(http), registerUser(http)]);
    const group = await createGroup(http, owner, []);
    const view = new PresenceView(new GroundTruth(owner).open(fast).socket, user.user.id);
    await vi.waitFor(() => expect(view.socket.connected, 'the observer').toBe(true), {
      timeout: 5_000,
    });
    const slowHttp = httpClient(slow.baseUrl);
    const truth = new GroundTruth(user);
    const shownAfterRound: string[] = [];
    let introduced = 0;

    for (let round = 0; round < INTRODUCTION_ROUNDS; round++) {
      const socket = await truth.connect(fast);
      const heardBefore = view.events.length;
      // The add runs on the slow node: its online check and its "online" are two trips to Redis.
      const added = slowHttp.post(
        `/conversations/${group.id}/members`,
        { userId: user.user.id },
        owner.accessToken,
      );
      await sleep(round * CLOSE_DELAY_STEP_MS);
      truth.close(socket);
      expect([200, 201]).toContain((await added).status);
      await sleep(250);
      if (view.events.slice(heardBefore).some((event) => event.status === 'online')) introduced++;
      shownAfterRound.push(view.shown);
      const removed = await http.request(
        'DELETE',
        `/conversations/${group.id}/members/${user.user.id}`,
        { token: owner.accessToken },
      );
      expect(removed.status).toBe(204);
    }

    // The introduction itself works: a user still online when it goes out is announced.
    expect(introduced).toBeGreaterThan(0);
    expect(shownAfterRound).toEqual(shownAfterRound.map(() => 'offline'));
  });

  it('takes a user offline once Redis is back if they left a node that could not reach it', async () => {
    const [peer, user] = await Promise.all([registerUser(http), registerUser(http)]);
    await createDirect(http, user, peer);
    const view = new PresenceView(new GroundTruth(peer).open(fast).socket, user.user.id);
    const truth = new GroundTruth(user);
    const socket = await truth.connect(slow);
    await vi.waitFor(() => expect(view.shown === 'online', 'online').toBe(true), {
      timeout: 5_000,
    });

    proxy.cutLink();
    try {
      await vi.waitFor(
        async () => expect((await slow.health()).body.redis === 'down', 'no redis').toBe(true),
        { timeout: 5_000 },
      );
      truth.close(socket);
      await sleep(300);
    } finally {
      proxy.restoreLink();
    }

    await vi.waitFor(
      () => expect(view.shown === 'offline', 'offline once redis is back').toBe(true),
      { timeout: 10_000 },
    );
    await vi.waitFor(
      async () => expect((await slow.health()).body.redis === 'up', 'redis back').toBe(true),
      { timeout: 10_000 },
    );
  });
});
