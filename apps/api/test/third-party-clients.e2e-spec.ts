import { randomUUID } from 'node:crypto';
import { NIL_UUID } from '@parley/protocol';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { request, type ChatSocket } from './support/chat-client.js';

// The two clarifications of contract section 4 that third-party clients asked for.

const sut = useTestApp();
const { http, online, users, createDirect } = sut;
// Sockets made with the bare client, to watch the wire; the harness closes its own.
const rawSockets: ChatSocket[] = [];

afterEach(() => {
  for (const socket of rawSockets.splice(0)) socket.close();
});

describe('the presence snapshot', () => {
  // The JS v4 client (like the Python one) buffers events that come before CONNECT and emits
  // them before `connect`; the Swift client drops them. So both orders are checked: on the wire
  // and as the application sees it.
  it.each([[['websocket']], [['polling', 'websocket']]])(
    'comes after `connect`, never before it (transports %j)',
    async (transports) => {
      const [peer, user] = await users(2);
      await createDirect(user, peer);
      await online(peer);

      const socket: ChatSocket = io(sut.baseUrl, {
        auth: { token: user.accessToken },
        transports,
        reconnection: false,
        forceNew: true,
      });
      rawSockets.push(socket);
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
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceClient = await online(alice);
    const bobClient = await online(bob);

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
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const { socket } = await online(alice);

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
