import { randomUUID } from 'node:crypto';
import { NIL_UUID } from '@parley/protocol';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connect,
  createDirect,
  registerUser,
  request,
  type ChatSocket,
} from './support/chat-client.js';
import { httpClient, startTestApp, type TestApp } from './support/test-app.js';

// The two clarifications of contract section 4 that third-party clients asked for.

let sut: TestApp;
let http: ReturnType<typeof httpClient>;
const opened: ChatSocket[] = [];

beforeAll(async () => {
  sut = await startTestApp();
  http = httpClient(sut.baseUrl);
});

afterEach(() => {
  for (const socket of opened.splice(0)) socket.close();
});

afterAll(() => sut.close());

describe('the presence snapshot', () => {
  // The JS v4 client (like the Python one) buffers events that come before CONNECT and emits
  // them before `connect`; the Swift client drops them. So both orders are checked: on the wire
  // and as the application sees it.
  it.each([[['websocket']], [['polling', 'websocket']]])(
    'comes after `connect`, never before it (transports %j)',
    async (transports) => {
      const [peer, user] = await Promise.all([registerUser(http), registerUser(http)]);
      await createDirect(http, user, peer);
      opened.push((await connect(sut.baseUrl, peer.accessToken)).socket);

      const socket: ChatSocket = io(sut.baseUrl, {
        auth: { token: user.accessToken },
        transports,
        reconnection: false,
        forceNew: true,
      });
      opened.push(socket);
      const packets: string[] = [];
      const events: string[] = [];
      socket.io.on('packet', (packet) => {
        packets.push(packet.type === 0 ? 'connect' : String(packet.data?.[0]));
      });
      socket.on('connect', () => events.push('connect'));
      socket.onAny((event: string) => events.push(event));

      await vi.waitFor(() => expect(events).toContain('presence'), { timeout: 5_000 });
      expect(packets.slice(0, 2)).toEqual(['connect', 'presence']);
      expect(events.slice(0, 2)).toEqual(['connect', 'presence']);
    },
  );
});

describe('clientMsgId', () => {
  it('refuses the nil UUID with VALIDATION, and stores and sends nothing', async () => {
    const [alice, bob] = await Promise.all([registerUser(http), registerUser(http)]);
    const conversation = await createDirect(http, alice, bob);
    const aliceClient = await connect(sut.baseUrl, alice.accessToken);
    const bobClient = await connect(sut.baseUrl, bob.accessToken);
    opened.push(aliceClient.socket, bobClient.socket);

    const ack = await request(aliceClient.socket, 'message:send', {
      conversationId: conversation.id,
      content: 'hello',
      clientMsgId: NIL_UUID,
    });

    expect(ack).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringContaining('clientMsgId') },
    });
    const history = await http.get(`/conversations/${conversation.id}/messages`, alice.accessToken);
    expect(history.body.messages).toEqual([]);
    expect(bobClient.log.of('message:new')).toEqual([]);
    expect(aliceClient.socket.connected).toBe(true);
  });

  it('takes any other UUID (the max UUID too), upper-case hex folded to lower case', async () => {
    const [alice, bob] = await Promise.all([registerUser(http), registerUser(http)]);
    const conversation = await createDirect(http, alice, bob);
    const { socket } = await connect(sut.baseUrl, alice.accessToken);
    opened.push(socket);

    for (const clientMsgId of [
      randomUUID(),
      randomUUID().toUpperCase(),
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
    ]) {
      const ack = await request(socket, 'message:send', {
        conversationId: conversation.id,
        content: 'hello',
        clientMsgId,
      });
      expect(ack).toMatchObject({ ok: true, message: { clientMsgId: clientMsgId.toLowerCase() } });
    }
  });
});
