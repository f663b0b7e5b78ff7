import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { useSockets } from './support/api-context.js';
import { createDirect, registerUser, sendMessage, type ChatSocket } from './support/chat-client.js';
import { TcpProxy, type OutageKind } from './support/tcp-proxy.js';
import { httpClient, startTestApp, type TestApp } from './support/test-app.js';

// The pool waits up to 5 s for a connection (connectionTimeoutMillis); then some slack.
const UNAVAILABLE_WITHIN_MS = 10_000;
const RECOVERY_WITHIN_MS = 8_000;

const databaseUrl = inject('databaseUrl');

/** Emits `message:send` and resolves with its ack, or with 'no ack' after `timeoutMs`. */
function sendWithin(
  socket: ChatSocket,
  payload: { conversationId: string; content: string; clientMsgId: string },
  timeoutMs: number,
): Promise<any> {
  return (socket.timeout(timeoutMs) as any)
    .emitWithAck('message:send', payload)
    .catch(() => 'no ack');
}

// Only a real PostgreSQL can be taken away behind a TCP proxy; PGlite runs in-process.
describe.skipIf(!databaseUrl)('PostgreSQL outage', () => {
  let proxy: TcpProxy;
  let sut: TestApp;
  let http: ReturnType<typeof httpClient>;
  const { online } = useSockets(() => sut.baseUrl);

  beforeAll(async () => {
    const target = new URL(databaseUrl);
    proxy = await TcpProxy.start({
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    const viaProxy = new URL(databaseUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    sut = await startTestApp({ DATABASE_URL: viaProxy.toString() });
    http = httpClient(sut.baseUrl);
  });
  afterEach(() => proxy?.resume());
  afterAll(async () => {
    await sut?.close();
    await proxy?.close();
  });

  /**
   * Retries one send until it succeeds, always with the same clientMsgId, as a client does:
   * a retry can never make a second copy.
   */
  async function sendOnceRecovered(
    socket: ChatSocket,
    payload: { conversationId: string; content: string; clientMsgId: string },
  ): Promise<Message> {
    const attempts: string[] = [];
    const deadline = Date.now() + RECOVERY_WITHIN_MS;
    while (Date.now() < deadline) {
      const ack = await sendWithin(socket, payload, RECOVERY_WITHIN_MS);
      if (ack !== 'no ack' && ack.ok) return ack.message;
      attempts.push(ack === 'no ack' ? ack : ack.error.code);
      await sleep(250);
    }
    throw new Error(`no successful send within ${RECOVERY_WITHIN_MS} ms: ${attempts.join(', ')}`);
  }

  async function twoMembers() {
    const [alice, bob] = await Promise.all([registerUser(http), registerUser(http)]);
    const conversation = await createDirect(http, alice, bob);
    const sender = await online(alice.accessToken);
    const receiver = await online(bob.accessToken);
    const before = await sendMessage(sender.socket, conversation.id, 'before the outage');
    await receiver.log.waitFor('message:new', (message) => message.id === before.id);
    return { alice, bob, conversation, sender, receiver, before };
  }

  it.each<[OutageKind, string]>([
    ['refuse', 'PostgreSQL is down (connections cut, new ones refused)'],
    ['blackhole', 'PostgreSQL hangs (connections cut, new ones never answered)'],
  ])(
    '%s: while %s, sends get UNAVAILABLE and nothing is broadcast; then the pool recovers by itself',
    async (kind) => {
      const { bob, conversation, sender, receiver, before } = await twoMembers();
      expect(proxy.connectionCount).toBeGreaterThan(0);

      await proxy.pause(kind);
      // Right after the cut the pool may still hold the dead connections; a moment later it
      // has to open new ones, which are refused or never answered.
      const onDeadConnection = await sendWithin(
        sender.socket,
        {
          conversationId: conversation.id,
          content: 'during the outage',
          clientMsgId: randomUUID(),
        },
        UNAVAILABLE_WITHIN_MS + 2_000,
      );
      await sleep(200);
      const startedAt = Date.now();
      const onNewConnection = await sendWithin(
        sender.socket,
        {
          conversationId: conversation.id,
          content: 'during the outage',
          clientMsgId: randomUUID(),
        },
        UNAVAILABLE_WITHIN_MS + 2_000,
      );
      const answeredAfterMs = Date.now() - startedAt;
      const health = await http.get('/health');

      const unavailable = {
        ok: false,
        error: { code: 'UNAVAILABLE', message: expect.any(String) },
      };
      expect(onDeadConnection).toEqual(unavailable);
      expect(onNewConnection).toEqual(unavailable);
      expect(answeredAfterMs).toBeLessThan(UNAVAILABLE_WITHIN_MS);
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'down', db: 'down', redis: 'disabled' });
      expect(sender.socket.connected).toBe(true);

      await proxy.resume();
      const after = await sendOnceRecovered(sender.socket, {
        conversationId: conversation.id,
        content: 'after the outage',
        clientMsgId: randomUUID(),
      });

      expect(after.seq).toBe(before.seq + 1);
      await receiver.log.waitFor('message:new', (message) => message.id === after.id);
      expect(receiver.log.of('message:new').map((message) => message.content)).toEqual([
        'before the outage',
        'after the outage',
      ]);
      const history = await http.get(`/conversations/${conversation.id}/messages`, bob.accessToken);
      expect(history.status).toBe(200);
      expect(history.body.messages).toEqual([before, after]);
      const healthAfter = await http.get('/health');
      expect(healthAfter.status).toBe(200);
      expect(healthAfter.body).toEqual({ status: 'ok', db: 'up', redis: 'disabled' });
    },
  );

  it('answers UNAVAILABLE to the other events, and 503 on REST, while PostgreSQL is down', async () => {
    const { bob, conversation, sender, before } = await twoMembers();

    await proxy.pause('refuse');
    const acks = await Promise.all([
      (sender.socket.timeout(UNAVAILABLE_WITHIN_MS) as any).emitWithAck('message:read', {
        conversationId: conversation.id,
        seq: before.seq,
      }),
      (sender.socket.timeout(UNAVAILABLE_WITHIN_MS) as any).emitWithAck('sync', { cursors: [] }),
      (sender.socket.timeout(UNAVAILABLE_WITHIN_MS) as any).emitWithAck('conversation:join', {
        conversationId: conversation.id,
      }),
    ]);

    for (const ack of acks) {
      expect(ack).toEqual({
        ok: false,
        error: { code: 'UNAVAILABLE', message: expect.any(String) },
      });
    }
    const history = await http.get(`/conversations/${conversation.id}/messages`, bob.accessToken);
    expect(history.status).toBe(503);
    expect(history.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.any(String),
    });
  });

  it('still answers a send within seconds when the network drops packets silently (no FIN, no RST)', async () => {
    const { bob, conversation, sender, before } = await twoMembers();
    const payload = {
      conversationId: conversation.id,
      content: 'into the void',
      clientMsgId: randomUUID(),
    };

    await proxy.pause('partition');
    const startedAt = Date.now();
    const during = await sendWithin(sender.socket, payload, UNAVAILABLE_WITHIN_MS);
    const answeredAfterMs = Date.now() - startedAt;
    const health = await http.get('/health');
    await proxy.resume();

    expect(health.status).toBe(503);
    // The contract: every event gets exactly one answer; an outage answers UNAVAILABLE.
    expect(during).toEqual({
      ok: false,
      error: { code: 'UNAVAILABLE', message: expect.any(String) },
    });
    expect(answeredAfterMs).toBeLessThan(UNAVAILABLE_WITHIN_MS);
    // The frozen statement may still commit once the network heals: the client's retry with
    // the same clientMsgId then gets that message, and there is exactly one copy, without a gap.
    const retried = await sendOnceRecovered(sender.socket, payload);
    expect(retried).toMatchObject({ content: 'into the void', seq: before.seq + 1 });
    const history = await http.get(`/conversations/${conversation.id}/messages`, bob.accessToken);
    expect(history.body.messages).toEqual([before, retried]);
  });
});
