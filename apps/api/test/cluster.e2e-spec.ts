import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/protocol';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { ApiNode, PrivateRedis } from './support/cluster.js';
import {
  connect,
  createGroup,
  registerUser,
  request,
  sendMessage,
  type ChatSocket,
  type ConnectedClient,
  type Session,
} from './support/chat-client.js';
import { httpClient } from './support/test-app.js';

// Several nodes need one shared PostgreSQL: the suite runs when the run has a server database.
const databaseUrl = inject('databaseUrl');
const PRIVATE_REDIS_PORT = 6390;
const PRESENCE_TTL_SEC = 3;

const started: { nodes: ApiNode[]; sockets: ChatSocket[]; redis?: PrivateRedis } = {
  nodes: [],
  sockets: [],
};

afterEach(async () => {
  for (const socket of started.sockets.splice(0)) socket.close();
  await Promise.all(started.nodes.splice(0).map((node) => node.stop('SIGKILL')));
  await started.redis?.kill();
  started.redis = undefined;
});

async function startCluster(nodeCount = 2, environment: Record<string, string> = {}) {
  const redis = new PrivateRedis(PRIVATE_REDIS_PORT);
  await redis.start();
  started.redis = redis;
  const nodes: ApiNode[] = [];
  for (let index = 0; index < nodeCount; index++) {
    nodes.push(
      await ApiNode.start({
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        PRESENCE_TTL_SEC: String(PRESENCE_TTL_SEC),
        SEND_RATE_BURST: '100000',
        SEND_RATE_PER_SEC: '100000',
        ...environment,
      }),
    );
  }
  started.nodes.push(...nodes);
  return { redis, nodes };
}

async function online(node: ApiNode, session: Session): Promise<ConnectedClient> {
  const client = await connect(node.baseUrl, session.accessToken);
  started.sockets.push(client.socket);
  return client;
}

/** What a client that follows the contract ends up showing: messages by seq, each once. */
class MirrorClient {
  readonly bySeq = new Map<number, Message>();
  duplicates = 0;

  constructor(
    readonly client: ConnectedClient,
    private readonly conversationId: string,
  ) {
    client.socket.on('message:new', (message) => this.add(message));
    client.socket.on('resync', () => void this.sync());
  }

  async sync(): Promise<void> {
    let hasMore = true;
    while (hasMore) {
      const ack = await request(this.client.socket, 'sync', {
        cursors: [{ conversationId: this.conversationId, seq: this.highestContiguousSeq() }],
      });
      if (!ack.ok) throw new Error(`sync failed: ${JSON.stringify(ack.error)}`);
      const synced = ack.conversations.find(
        (item: { conversationId: string }) => item.conversationId === this.conversationId,
      );
      for (const message of synced?.messages ?? []) this.add(message);
      hasMore = Boolean(synced?.hasMore);
    }
  }

  highestContiguousSeq(): number {
    let seq = 0;
    while (this.bySeq.has(seq + 1)) seq += 1;
    return seq;
  }

  private add(message: Message): void {
    if (message.conversationId !== this.conversationId) return;
    if (this.bySeq.has(message.seq)) this.duplicates += 1;
    else this.bySeq.set(message.seq, message);
  }
}

/**
 * Sends one message after another, as a user would, and survives its node going away: an
 * unacked message is sent again with the same clientMsgId on the node it reconnects to.
 */
class SteadySender {
  readonly acked: Message[] = [];
  readonly errors: string[] = [];
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private socket: ChatSocket,
    private readonly conversationId: string,
    private readonly reconnect: () => Promise<ChatSocket>,
  ) {}

  start(intervalMs = 30): void {
    this.running = this.loop(intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(intervalMs: number): Promise<void> {
    let pending: { conversationId: string; content: string; clientMsgId: string } | undefined;
    while (!this.stopped) {
      pending ??= {
        conversationId: this.conversationId,
        content: `steady ${this.acked.length}`,
        clientMsgId: randomUUID(),
      };
      try {
        if (!this.socket.connected) this.socket = await this.reconnect();
        const ack = await (this.socket.timeout(3_000) as any).emitWithAck('message:send', pending);
        if (ack.ok) {
          this.acked.push(ack.message);
          pending = undefined;
        } else {
          this.errors.push(ack.error.code);
        }
      } catch {
        // No ack (the node went away): the same message goes again, same clientMsgId.
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

async function historySeqs(node: ApiNode, session: Session, conversationId: string) {
  const http = httpClient(node.baseUrl);
  const seqs: number[] = [];
  const ids = new Set<string>();
  let after = 0;
  for (;;) {
    const page = await http.get(
      `/conversations/${conversationId}/messages?after=${after}&limit=100`,
      session.accessToken,
    );
    for (const message of page.body.messages as Message[]) {
      seqs.push(message.seq);
      ids.add(message.id);
    }
    if (!page.body.hasMore) return { seqs, ids };
    after = seqs.at(-1)!;
  }
}

const range = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

describe.skipIf(!databaseUrl)('two API nodes joined by Redis', () => {
  it('carries messages, receipts, typing, presence and membership moves across nodes', async () => {
    const { nodes } = await startCluster();
    const [node1, node2] = nodes as [ApiNode, ApiNode];
    const http = httpClient(node1.baseUrl);
    const alice = await registerUser(http);
    const bob = await registerUser(http);
    const carol = await registerUser(http);
    const group = await createGroup(http, alice, [bob]);
    const aliceClient = await online(node1, alice);
    const bobClient = await online(node2, bob);
    const carolClient = await online(node2, carol);

    expect(
      await aliceClient.log.waitFor('presence', (event) => event.userId === bob.user.id),
    ).toMatchObject({ status: 'online' });

    const sent = await sendMessage(aliceClient.socket, group.id, 'across nodes');
    expect(await bobClient.log.waitFor('message:new')).toEqual(sent);

    await request(bobClient.socket, 'message:read', { conversationId: group.id, seq: sent.seq });
    expect(await aliceClient.log.waitFor('receipt:update')).toEqual({
      conversationId: group.id,
      userId: bob.user.id,
      deliveredSeq: sent.seq,
      readSeq: sent.seq,
    });

    await request(bobClient.socket, 'typing', { conversationId: group.id, isTyping: true });
    expect(await aliceClient.log.waitFor('typing')).toEqual({
      conversationId: group.id,
      userId: bob.user.id,
      isTyping: true,
    });

    // Carol, on the other node, is added by a request served by node 1.
    const added = await http.post(
      `/conversations/${group.id}/members`,
      { userId: carol.user.id },
      alice.accessToken,
    );
    expect(added.status).toBe(201);
    await carolClient.log.waitFor('conversation:updated', (update) => update.id === group.id);
    const forCarol = await sendMessage(aliceClient.socket, group.id, 'welcome carol');
    expect(await carolClient.log.waitFor('message:new')).toEqual(forCarol);

    const removed = await http.request(
      'DELETE',
      `/conversations/${group.id}/members/${carol.user.id}`,
      { token: alice.accessToken },
    );
    expect(removed.status).toBe(204);
    await carolClient.log.waitFor('conversation:removed');
    const afterRemoval = await sendMessage(aliceClient.socket, group.id, 'carol is gone');
    await bobClient.log.waitFor('message:new', (message) => message.seq === afterRemoval.seq);
    expect(carolClient.log.of('message:new').map((message) => message.seq)).toEqual([forCarol.seq]);

    bobClient.socket.close();
    expect(
      await aliceClient.log.waitFor(
        'presence',
        (event) => event.userId === bob.user.id && event.status === 'offline',
      ),
    ).toMatchObject({ status: 'offline' });
  });

  it('keeps acking through a Redis outage and, after resync, every member has every message once', async () => {
    const { redis, nodes } = await startCluster();
    const [node1, node2] = nodes as [ApiNode, ApiNode];
    const http = httpClient(node1.baseUrl);
    const alice = await registerUser(http);
    const bob = await registerUser(http);
    const carol = await registerUser(http);
    const group = await createGroup(http, alice, [bob, carol]);
    const aliceSocket = await online(node1, alice);
    const carolMirror = new MirrorClient(await online(node1, carol), group.id);
    const bobMirror = new MirrorClient(await online(node2, bob), group.id);
    const aliceSender = new SteadySender(aliceSocket.socket, group.id, () => {
      throw new Error('alice lost node 1');
    });
    const bobSender = new SteadySender(bobMirror.client.socket, group.id, () => {
      throw new Error('bob lost node 2');
    });
    aliceSender.start();
    bobSender.start();
    await new Promise((resolve) => setTimeout(resolve, 500));

    await redis.kill();
    const ackedBeforeOutage = aliceSender.acked.length + bobSender.acked.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await node1.health()).body).toEqual({ status: 'degraded', db: 'up', redis: 'down' });
    expect(aliceSender.acked.length + bobSender.acked.length).toBeGreaterThan(
      ackedBeforeOutage + 10,
    );
    // Same node: still live while Redis is away.
    const duringOutage = aliceSender.acked.at(-1)!;
    await carolMirror.client.log.waitFor(
      'message:new',
      (message) => message.seq === duringOutage.seq,
    );

    await redis.start();
    await bobMirror.client.log.waitFor('resync', () => true, 10_000);
    await aliceSender.stop();
    await bobSender.stop();
    expect([...aliceSender.errors, ...bobSender.errors]).toEqual([]);

    const acked = [...aliceSender.acked, ...bobSender.acked];
    const stored = await historySeqs(node2, bob, group.id);
    expect(stored.seqs).toEqual(range(acked.length));
    for (const message of acked) expect(stored.ids.has(message.id)).toBe(true);
    for (const mirror of [bobMirror, carolMirror]) {
      await vi.waitFor(
        async () => {
          await mirror.sync();
          expect(mirror.bySeq.size === acked.length, 'a member to catch up').toBe(true);
        },
        { timeout: 10_000 },
      );
      expect([...mirror.bySeq.keys()].sort((a, b) => a - b)).toEqual(range(acked.length));
    }
    // Live cross-node delivery is back.
    const afterRecovery = await sendMessage(aliceSocket.socket, group.id, 'redis is back');
    await bobMirror.client.log.waitFor(
      'message:new',
      (message) => message.seq === afterRecovery.seq,
      10_000,
    );
    expect((await node1.health()).body).toEqual({ status: 'ok', db: 'up', redis: 'up' });
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`loses no acked message when a node gets ${signal} under traffic`, async () => {
      const { nodes } = await startCluster();
      const [node1, node2] = nodes as [ApiNode, ApiNode];
      const http = httpClient(node2.baseUrl);
      const alice = await registerUser(http);
      const bob = await registerUser(http);
      const group = await createGroup(http, alice, [bob]);
      const bobMirror = new MirrorClient(await online(node2, bob), group.id);
      const aliceOnNode1 = await online(node1, alice);
      await bobMirror.client.log.waitFor('presence', (event) => event.userId === alice.user.id);
      const sender = new SteadySender(aliceOnNode1.socket, group.id, async () => {
        // The load balancer sends the reconnecting client to the surviving node.
        const client = await online(node2, alice);
        return client.socket;
      });
      sender.start(10);
      await new Promise((resolve) => setTimeout(resolve, 700));

      const stoppedAt = Date.now();
      const exitCode = await node1.stop(signal);
      if (signal === 'SIGTERM') expect(exitCode).toBe(0);
      await vi.waitFor(
        () => expect(sender.acked.length > 0 && sender.acked.at(-1)!.seq > 0, 'acks').toBe(true),
        { timeout: 5_000 },
      );
      const ackedAtStop = sender.acked.length;
      await vi.waitFor(
        () => expect(sender.acked.length > ackedAtStop + 5, 'sending to resume').toBe(true),
        { timeout: 15_000 },
      );
      await sender.stop();

      const stored = await historySeqs(node2, bob, group.id);
      expect(stored.seqs).toEqual(range(stored.seqs.length));
      for (const message of sender.acked) expect(stored.ids.has(message.id)).toBe(true);
      expect(new Set(sender.acked.map((message) => message.clientMsgId)).size).toBe(
        sender.acked.length,
      );
      await bobMirror.sync();
      expect([...bobMirror.bySeq.keys()].sort((a, b) => a - b)).toEqual(stored.seqs);

      if (signal === 'SIGKILL') {
        // Alice is online again on node 2, so take her off before waiting for the expiry.
        const offline = bobMirror.client.log.waitFor(
          'presence',
          (event) => event.userId === alice.user.id && event.status === 'offline',
          (PRESENCE_TTL_SEC + 5) * 1000,
        );
        for (const socket of started.sockets.filter(
          (socket) => socket !== bobMirror.client.socket,
        )) {
          socket.close();
        }
        await offline;
        expect(Date.now() - stoppedAt).toBeLessThan((PRESENCE_TTL_SEC + 8) * 1000);
      }
    });
  }

  it('takes the users of a killed node offline within the presence expiry', async () => {
    const { nodes } = await startCluster();
    const [node1, node2] = nodes as [ApiNode, ApiNode];
    const http = httpClient(node2.baseUrl);
    const alice = await registerUser(http);
    const bob = await registerUser(http);
    await createGroup(http, alice, [bob]);
    const bobClient = await online(node2, bob);
    await online(node1, alice);
    await bobClient.log.waitFor('presence', (event) => event.userId === alice.user.id);

    const killedAt = Date.now();
    await node1.stop('SIGKILL');
    const offline = await bobClient.log.waitFor(
      'presence',
      (event) => event.userId === alice.user.id && event.status === 'offline',
      (PRESENCE_TTL_SEC + 5) * 1000,
    );

    expect(offline).toMatchObject({ userId: alice.user.id, status: 'offline' });
    expect(Date.now() - killedAt).toBeLessThanOrEqual((PRESENCE_TTL_SEC + 2) * 1000);
  });

  it('holds one send rate limit for a user across nodes', async () => {
    const { nodes } = await startCluster(2, { SEND_RATE_BURST: '4', SEND_RATE_PER_SEC: '1' });
    const [node1, node2] = nodes as [ApiNode, ApiNode];
    const http = httpClient(node1.baseUrl);
    const alice = await registerUser(http);
    const bob = await registerUser(http);
    const group = await createGroup(http, alice, [bob]);
    const onNode1 = await online(node1, alice);
    const onNode2 = await online(node2, alice);
    const send = (client: ConnectedClient) =>
      request(client.socket, 'message:send', {
        conversationId: group.id,
        content: 'counted',
        clientMsgId: randomUUID(),
      });

    const first = [
      await send(onNode1),
      await send(onNode1),
      await send(onNode1),
      await send(onNode1),
    ];
    const elsewhere = await send(onNode2);

    expect(first.map((ack) => ack.ok)).toEqual([true, true, true, true]);
    expect(elsewhere).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect((elsewhere as { error: { retryAfterMs: number } }).error.retryAfterMs).toBeGreaterThan(
      0,
    );
  });

  it('carries edits, deletes and reactions live to the other node, and by rev to a client that was away', async () => {
    const { nodes } = await startCluster();
    const [nodeA, nodeB] = nodes as [ApiNode, ApiNode];
    const http = httpClient(nodeA.baseUrl);
    const alice = await registerUser(http);
    const bob = await registerUser(http);
    const carol = await registerUser(http);
    const group = await createGroup(http, alice, [bob, carol]);
    const aliceClient = await online(nodeA, alice);
    const bobClient = await online(nodeB, bob);
    const carolAway = await online(nodeB, carol);
    const send = async (content: string, mentions: string[] = []) => {
      const ack = await request(aliceClient.socket, 'message:send', {
        conversationId: group.id,
        content,
        clientMsgId: randomUUID(),
        mentions,
      });
      if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
      return ack.message as Message;
    };
    const change = async (
      event: 'message:edit' | 'message:react' | 'message:delete',
      payload: object,
    ) => {
      const ack = await request(aliceClient.socket, event, {
        conversationId: group.id,
        ...payload,
      });
      if (!ack.ok) throw new Error(`${event} failed: ${JSON.stringify(ack.error)}`);
      return ack.message as Message;
    };
    await send('typo here');
    await send('react to me');
    const mention = await send('bob and carol, look', [bob.user.id, carol.user.id]);
    await carolAway.log.waitFor('message:new', (message) => message.seq === mention.seq);
    const cursor = { conversationId: group.id, seq: mention.seq, rev: mention.rev };
    carolAway.socket.close();

    const edited = await change('message:edit', { seq: 1, content: 'no typo here' });
    const reacted = await change('message:react', { seq: 2, emoji: '👍', on: true });
    const deleted = await change('message:delete', { seq: mention.seq });

    // Live on node B, in the order node A made them.
    for (const expected of [edited, reacted, deleted]) {
      expect(
        await bobClient.log.waitFor('message:updated', (message) => message.rev === expected.rev),
      ).toEqual(expected);
    }
    expect(bobClient.log.of('message:updated').map((message) => message.rev)).toEqual([
      edited.rev,
      reacted.rev,
      deleted.rev,
    ]);
    // The delete took bob's mention and one unread message away.
    expect(await bobClient.log.waitFor('unread:update')).toEqual({
      conversationId: group.id,
      unreadCount: 2,
      mentionCount: 0,
      lastReadSeq: 0,
    });

    // Carol comes back on node B and gets every change she missed through sync by rev.
    const carolBack = await online(nodeB, carol);
    const ack = await request(carolBack.socket, 'sync', { cursors: [cursor] });
    expect(ack.ok).toBe(true);
    expect(ack.ok && ack.conversations).toEqual([
      {
        conversationId: group.id,
        messages: [],
        hasMore: false,
        updated: [edited, reacted, deleted],
        hasMoreUpdated: false,
      },
    ]);
    const carolView = await httpClient(nodeB.baseUrl).get(
      `/conversations/${group.id}`,
      carol.accessToken,
    );
    expect(carolView.body).toMatchObject({
      lastSeq: 3,
      lastRev: deleted.rev,
      unreadCount: 2,
      mentionCount: 0,
    });
  });
});
