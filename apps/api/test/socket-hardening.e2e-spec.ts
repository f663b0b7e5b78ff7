import { randomUUID } from 'node:crypto';
import type { Conversation, Message } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import {
  connect,
  sendMessage,
  type ChatSocket,
  type ConnectedClient,
  type Session,
} from './support/chat-client.js';

type ClientEvent =
  'message:send' | 'message:delivered' | 'message:read' | 'conversation:join' | 'typing' | 'sync';

interface Fixture {
  /** alice and bob's conversation: the one the probe socket keeps sending to. */
  conversationId: string;
  /** bob and carol's conversation, which alice is not a member of. */
  foreignConversationId: string;
}

/** Counts the ack frames a socket receives, by ack id, straight off the Engine.IO transport. */
class AckCounter {
  private readonly countsById = new Map<number, number>();

  constructor(socket: ChatSocket) {
    socket.io.engine.on('packet', (packet) => {
      if (packet.type !== 'message' || typeof packet.data !== 'string') return;
      // A Socket.IO ACK on the default namespace is `3<id>[...]`.
      const match = /^3(\d+)\[/.exec(packet.data);
      if (!match) return;
      const id = Number(match[1]);
      this.countsById.set(id, (this.countsById.get(id) ?? 0) + 1);
    });
  }

  get acks(): number {
    return [...this.countsById.values()].reduce((sum, count) => sum + count, 0);
  }

  get duplicated(): number[] {
    return [...this.countsById].filter(([, count]) => count > 1).map(([id]) => id);
  }
}

/** Emits exactly the given arguments (or none), plus an ack callback, and resolves with the ack. */
function emitRaw(socket: ChatSocket, event: string, args: unknown[]): Promise<any> {
  return (socket.timeout(5_000) as any).emitWithAck(event, ...args);
}

/** An object whose own keys include `__proto__`, as a JSON-speaking client can send. */
const jsonObject = (json: string): unknown => JSON.parse(json);

const expectError = (ack: unknown, code: string) =>
  expect(ack).toEqual({ ok: false, error: { code, message: expect.any(String) } });

const validPayloads: Record<ClientEvent, (fixture: Fixture) => Record<string, unknown>> = {
  'message:send': (fixture) => ({
    conversationId: fixture.conversationId,
    content: 'hello',
    clientMsgId: randomUUID(),
  }),
  'message:delivered': (fixture) => ({ conversationId: fixture.conversationId, seq: 1 }),
  'message:read': (fixture) => ({ conversationId: fixture.conversationId, seq: 1 }),
  'conversation:join': (fixture) => ({ conversationId: fixture.conversationId }),
  typing: (fixture) => ({ conversationId: fixture.conversationId, isTyping: true }),
  sync: (fixture) => ({ cursors: [{ conversationId: fixture.conversationId, seq: 0 }] }),
};

type BadCase = [event: ClientEvent, label: string, args: (fixture: Fixture) => unknown[]];

/** Payloads of the wrong shape altogether, the same for every event. */
const shapeCases: BadCase[] = (Object.keys(validPayloads) as ClientEvent[]).flatMap((event) => {
  const valid = validPayloads[event];
  const cases: [string, (fixture: Fixture) => unknown[]][] = [
    ['no payload, only the ack callback', () => []],
    ['null', () => [null]],
    ['an empty object', () => [{}]],
    ['an array holding a valid payload', (fixture) => [[valid(fixture)]]],
    ['a number', () => [42]],
    ['a string of valid JSON', (fixture) => [JSON.stringify(valid(fixture))]],
    ['a boolean', () => [true]],
    [
      'the fields under a __proto__ key',
      (fixture) => [jsonObject(`{"__proto__": ${JSON.stringify(valid(fixture))}}`)],
    ],
    [
      'a constructor.prototype key',
      () => [jsonObject('{"constructor": {"prototype": {"polluted": true}}}')],
    ],
  ];
  return cases.map(([label, args]): BadCase => [event, label, args]);
});

const withSend =
  (override: Record<string, unknown>, omit?: string) =>
  (fixture: Fixture): unknown[] => {
    const payload: Record<string, unknown> = {
      ...validPayloads['message:send'](fixture),
      ...override,
    };
    if (omit) delete payload[omit];
    return [payload];
  };

const withWatermark =
  (event: 'message:delivered' | 'message:read') =>
  (override: Record<string, unknown>, omit?: string) =>
  (fixture: Fixture): unknown[] => {
    const payload: Record<string, unknown> = { ...validPayloads[event](fixture), ...override };
    if (omit) delete payload[omit];
    return [payload];
  };

const fieldCases: BadCase[] = [
  ['message:send', 'a missing conversationId', withSend({}, 'conversationId')],
  ['message:send', 'a missing content', withSend({}, 'content')],
  ['message:send', 'a missing clientMsgId', withSend({}, 'clientMsgId')],
  ['message:send', 'a non-uuid conversationId', withSend({ conversationId: 'not-a-uuid' })],
  ['message:send', 'an SQL-ish conversationId', withSend({ conversationId: "' or 1=1 --" })],
  ['message:send', 'a numeric conversationId', withSend({ conversationId: 42 })],
  ['message:send', 'a null conversationId', withSend({ conversationId: null })],
  [
    'message:send',
    'a conversationId array',
    (fixture) => withSend({ conversationId: [fixture.conversationId] })(fixture),
  ],
  ['message:send', 'a numeric content', withSend({ content: 42 })],
  ['message:send', 'a null content', withSend({ content: null })],
  ['message:send', 'an array content', withSend({ content: ['hello'] })],
  ['message:send', 'an object content', withSend({ content: { text: 'hello' } })],
  ['message:send', 'content of 4001 characters', withSend({ content: 'x'.repeat(4001) })],
  ['message:send', 'content of 20 KB', withSend({ content: 'x'.repeat(20_000) })],
  ['message:send', 'empty content', withSend({ content: '' })],
  ['message:send', 'whitespace-only content', withSend({ content: ' \t\r\n \n ' })],
  [
    'message:send',
    'content of control characters only',
    withSend({ content: '\u0000\u0007\u007f\u0085' }),
  ],
  ['message:send', 'content with a lone high surrogate', withSend({ content: 'hi \uD800 there' })],
  ['message:send', 'content of a lone low surrogate', withSend({ content: '\uDC00' })],
  ['message:send', 'a non-uuid clientMsgId', withSend({ clientMsgId: 'abc' })],
  ['message:send', 'a numeric clientMsgId', withSend({ clientMsgId: 123 })],
  ['message:send', 'an empty clientMsgId', withSend({ clientMsgId: '' })],
  ...(['message:delivered', 'message:read'] as const).flatMap((event): BadCase[] => {
    const watermark = withWatermark(event);
    return [
      [event, 'a missing conversationId', watermark({}, 'conversationId')],
      [event, 'a missing seq', watermark({}, 'seq')],
      [event, 'a non-uuid conversationId', watermark({ conversationId: 'nope' })],
      [event, 'a numeric conversationId', watermark({ conversationId: 7 })],
      [event, 'a negative seq', watermark({ seq: -1 })],
      [event, 'a fractional seq', watermark({ seq: 1.5 })],
      [event, 'a seq past Number.MAX_SAFE_INTEGER', watermark({ seq: 2 ** 53 })],
      [event, 'a huge seq', watermark({ seq: 1e300 })],
      [event, 'a string seq', watermark({ seq: '1' })],
      [event, 'a null seq', watermark({ seq: null })],
      [event, 'a boolean seq', watermark({ seq: true })],
      [event, 'an array seq', watermark({ seq: [1] })],
    ];
  }),
  ['conversation:join', 'a non-uuid conversationId', () => [{ conversationId: 'nope' }]],
  ['conversation:join', 'a numeric conversationId', () => [{ conversationId: 7 }]],
  ['conversation:join', 'a null conversationId', () => [{ conversationId: null }]],
  [
    'conversation:join',
    'a conversationId array',
    (fixture) => [{ conversationId: [fixture.conversationId] }],
  ],
  ['typing', 'a missing isTyping', (fixture) => [{ conversationId: fixture.conversationId }]],
  ['typing', 'a missing conversationId', () => [{ isTyping: true }]],
  ['typing', 'a non-uuid conversationId', () => [{ conversationId: 'nope', isTyping: true }]],
  [
    'typing',
    'a string isTyping',
    (fixture) => [{ conversationId: fixture.conversationId, isTyping: 'true' }],
  ],
  [
    'typing',
    'a numeric isTyping',
    (fixture) => [{ conversationId: fixture.conversationId, isTyping: 1 }],
  ],
  [
    'typing',
    'a null isTyping',
    (fixture) => [{ conversationId: fixture.conversationId, isTyping: null }],
  ],
  ['sync', 'a missing cursors', () => [{ limit: 10 }]],
  ['sync', 'cursors as an object', () => [{ cursors: {} }]],
  ['sync', 'cursors as a string', () => [{ cursors: 'all' }]],
  ['sync', 'a null cursor', () => [{ cursors: [null] }]],
  ['sync', 'a cursor with a non-uuid id', () => [{ cursors: [{ conversationId: 'x', seq: 0 }] }]],
  [
    'sync',
    'a cursor without seq',
    (fixture) => [{ cursors: [{ conversationId: fixture.conversationId }] }],
  ],
  ...(
    [
      ['a negative cursor seq', -1],
      ['a fractional cursor seq', 0.5],
      ['a cursor seq past Number.MAX_SAFE_INTEGER', 2 ** 53],
      ['a string cursor seq', '0'],
    ] as const
  ).map(([label, seq]): BadCase => [
    'sync',
    label,
    (fixture) => [{ cursors: [{ conversationId: fixture.conversationId, seq }] }],
  ]),
  ...([0, 501, -1, 1.5, '10', null] as const).map((limit): BadCase => [
    'sync',
    `limit ${JSON.stringify(limit)}`,
    () => [{ cursors: [], limit }],
  ]),
];

const sut = useTestApp({ SEND_RATE_BURST: '100000', SEND_RATE_PER_SEC: '100000' });
const { http, online, registerUser, createDirect } = sut;
let alice: Session;
let bob: Session;
let carol: Session;
let conversation: Conversation;
let fixture: Fixture;
/** alice's socket that every bad payload goes to, and that must keep working. */
let probe: ConnectedClient;
let probeAcks: AckCounter;
/** How many acked events the probe socket has emitted. */
let probeAsked = 0;
let bobClient: ConnectedClient;

/** Sends from the probe socket and checks the ack and bob's copy of the message. */
async function expectProbeStillSends(): Promise<Message> {
  expect(probe.socket.connected).toBe(true);
  probeAsked++;
  const message = await sendMessage(probe.socket, conversation.id, `still here ${probeAsked}`);
  expect(await bobClient.log.waitFor('message:new', (item) => item.id === message.id)).toEqual(
    message,
  );
  expect(probeAcks.duplicated).toEqual([]);
  expect(probeAcks.acks).toBe(probeAsked);
  return message;
}

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([registerUser(), registerUser(), registerUser()]);
  conversation = await createDirect(alice, bob);
  const foreign = await createDirect(bob, carol);
  fixture = { conversationId: conversation.id, foreignConversationId: foreign.id };
  probe = await connect(sut.baseUrl, alice.accessToken);
  probeAcks = new AckCounter(probe.socket);
  bobClient = await connect(sut.baseUrl, bob.accessToken);
  // The foreign conversation has a message that must never leak to alice.
  await sendMessage(bobClient.socket, foreign.id, 'between bob and carol');
});

afterAll(() => {
  probe?.socket.close();
  bobClient?.socket.close();
});

describe('invalid payloads', () => {
  it.each([...shapeCases, ...fieldCases])(
    '%s with %s: one VALIDATION ack, and the socket keeps working',
    async (event, _, args) => {
      probeAsked++;
      const ack = await emitRaw(probe.socket, event, args(fixture));

      expectError(ack, 'VALIDATION');
      await expectProbeStillSends();
    },
  );

  it.each(Object.keys(validPayloads) as ClientEvent[])(
    '%s without an ack callback does not disconnect the socket',
    async (event) => {
      (probe.socket as any).emit(event, null);
      (probe.socket as any).emit(event, { bogus: true });

      await expectProbeStillSends();
    },
  );

  it('ignores an event the contract does not know, without disconnecting', async () => {
    (probe.socket as any).emit('admin:drop-tables', { all: true });
    (probe.socket as any).emit('__proto__', { polluted: true });

    await expectProbeStillSends();
  });

  it('lets no payload pollute Object.prototype of the server process', async () => {
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'message:send', [
      jsonObject(
        JSON.stringify(validPayloads['message:send'](fixture)).replace(
          /}$/,
          ', "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
        ),
      ),
    ]);

    // Unknown keys are dropped; the send itself is valid.
    expect(ack).toMatchObject({ ok: true, message: { content: 'hello' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('conversationId');
    await expectProbeStillSends();
  });
});

describe('unknown and foreign conversations', () => {
  const notFoundCases: [ClientEvent, (conversationId: string) => unknown][] = [
    [
      'message:send',
      (conversationId) => ({ conversationId, content: 'let me in', clientMsgId: randomUUID() }),
    ],
    ['message:delivered', (conversationId) => ({ conversationId, seq: 1 })],
    ['message:read', (conversationId) => ({ conversationId, seq: 1 })],
    ['conversation:join', (conversationId) => ({ conversationId })],
    ['typing', (conversationId) => ({ conversationId, isTyping: true })],
  ];

  it.each(notFoundCases)(
    '%s answers NOT_FOUND alike for an unknown and a non-member conversation',
    async (event, payload) => {
      probeAsked += 2;
      const unknown = await emitRaw(probe.socket, event, [payload(randomUUID())]);
      const foreign = await emitRaw(probe.socket, event, [payload(fixture.foreignConversationId)]);

      expectError(unknown, 'NOT_FOUND');
      expect(foreign).toEqual(unknown);
      await expectProbeStillSends();
    },
  );

  it('sync lists unknown and non-member conversations as removed and leaks none of their messages', async () => {
    const unknownId = randomUUID();
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'sync', [
      {
        cursors: [
          { conversationId: unknownId, seq: 0 },
          { conversationId: fixture.foreignConversationId, seq: 0 },
        ],
      },
    ]);

    expect(ack.ok).toBe(true);
    expect([...ack.removed].sort()).toEqual([unknownId, fixture.foreignConversationId].sort());
    expect(
      ack.conversations.map((item: { conversationId: string }) => item.conversationId),
    ).toEqual([conversation.id]);
    await expectProbeStillSends();
  });

  it('sends nothing of a foreign conversation to a socket that asked to join it', async () => {
    probeAsked++;
    expectError(
      await emitRaw(probe.socket, 'conversation:join', [
        { conversationId: fixture.foreignConversationId },
      ]),
      'NOT_FOUND',
    );
    const secret = await sendMessage(bobClient.socket, fixture.foreignConversationId, 'secret');

    const marker = await expectProbeStillSends();
    await probe.log.waitFor('message:new', (message) => message.id === marker.id);
    expect(probe.log.of('message:new').map((message) => message.id)).not.toContain(secret.id);
  });
});

describe('boundaries that are accepted', () => {
  it.each([
    ['4000 code points, astral characters counted once', '😀'.repeat(4000), '😀'.repeat(4000)],
    ['4000 characters with whitespace around them', `  ${'x'.repeat(4000)}\n`, 'x'.repeat(4000)],
    ['markup, kept as text', '<img src=x onerror=alert(1)>', '<img src=x onerror=alert(1)>'],
    ['a well-formed surrogate pair', 'a\uD83D\uDE00b', 'a😀b'],
  ])('message:send stores %s', async (_, content, stored) => {
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'message:send', [
      { conversationId: conversation.id, content, clientMsgId: randomUUID() },
    ]);

    expect(ack).toMatchObject({ ok: true, message: { content: stored } });
    await expectProbeStillSends();
  });

  it.each([1, 500])('sync accepts limit %i', async (limit) => {
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'sync', [{ cursors: [], limit }]);

    expect(ack).toMatchObject({ ok: true, removed: [] });
    await expectProbeStillSends();
  });

  it('clamps a watermark of Number.MAX_SAFE_INTEGER to the last message', async () => {
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'message:read', [
      { conversationId: conversation.id, seq: Number.MAX_SAFE_INTEGER },
    ]);

    expect(ack).toEqual({ ok: true, unreadCount: 0, mentionCount: 0 });
    await expectProbeStillSends();
  });

  it('treats an upper-case conversation id as the same conversation, live delivery included', async () => {
    const upperCaseId = conversation.id.toUpperCase();
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'message:send', [
      { conversationId: upperCaseId, content: 'shouting id', clientMsgId: randomUUID() },
    ]);

    expect(ack).toMatchObject({ ok: true, message: { conversationId: conversation.id } });
    // The contract sends `message:new` to every member; ids are case-insensitive UUIDs.
    expect(
      await bobClient.log.waitFor('message:new', (message) => message.id === ack.message.id, 2_000),
    ).toEqual(ack.message);
  });
  it('treats an upper-case conversation id as the same conversation for typing', async () => {
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'typing', [
      { conversationId: conversation.id.toUpperCase(), isTyping: true },
    ]);

    expect(ack).toEqual({ ok: true });
    expect(
      await bobClient.log.waitFor('typing', (event) => event.userId === alice.user.id, 2_000),
    ).toEqual({ conversationId: conversation.id, userId: alice.user.id, isTyping: true });
  });
});

describe('message:send ignores what only the server decides', () => {
  it('stores the server’s id, seq, senderId, createdAt and type, not the client’s', async () => {
    const clientMsgId = randomUUID();
    const forgedId = randomUUID();
    const before = Date.now();
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'message:send', [
      {
        conversationId: conversation.id,
        content: 'forged fields',
        clientMsgId,
        id: forgedId,
        seq: 1,
        senderId: bob.user.id,
        createdAt: '2000-01-01T00:00:00.000Z',
        type: 'html',
      },
    ]);

    expect(ack.ok).toBe(true);
    const message = ack.message as Message;
    expect(message).toMatchObject({
      conversationId: conversation.id,
      senderId: alice.user.id,
      clientMsgId,
      content: 'forged fields',
      type: 'text',
    });
    expect(message.id).not.toBe(forgedId);
    expect(message.seq).toBeGreaterThan(1);
    expect(Date.parse(message.createdAt)).toBeGreaterThanOrEqual(before - 5_000);
    expect(await bobClient.log.waitFor('message:new', (item) => item.id === message.id)).toEqual(
      message,
    );
    const history = await http.get(
      `/conversations/${conversation.id}/messages?after=${message.seq - 1}&limit=1`,
      bob.accessToken,
    );
    expect(history.body.messages).toEqual([message]);
  });

  it('answers a resent clientMsgId with the stored message, whatever the new content, and broadcasts once', async () => {
    const clientMsgId = randomUUID();
    probeAsked += 2;
    const first = await emitRaw(probe.socket, 'message:send', [
      { conversationId: conversation.id, content: 'original', clientMsgId },
    ]);
    const again = await emitRaw(probe.socket, 'message:send', [
      { conversationId: conversation.id, content: 'edited by a replay', clientMsgId },
    ]);

    expect(first.ok).toBe(true);
    expect(again).toEqual(first);
    expect(again.message.content).toBe('original');
    const marker = await expectProbeStillSends();
    expect(marker.seq).toBe(first.message.seq + 1);
    await bobClient.log.waitFor('message:new', (message) => message.id === marker.id);
    expect(
      bobClient.log.of('message:new').filter((message) => message.clientMsgId === clientMsgId),
    ).toEqual([first.message]);
  });
});

describe('frames over the 64 KiB limit', () => {
  async function oversizedFrameClosesOnlyThatSocket(contentLength: number) {
    const victim = await online(alice.accessToken);
    const bystander = await online(alice.accessToken);
    const disconnected = new Promise<string>((resolve) =>
      victim.socket.once('disconnect', (reason) => resolve(reason)),
    );
    let acked = false;

    victim.socket.emit(
      'message:send',
      {
        conversationId: conversation.id,
        content: 'x'.repeat(contentLength),
        clientMsgId: randomUUID(),
      },
      () => {
        acked = true;
      },
    );

    expect(await disconnected).toMatch(/^transport (close|error)$/);
    expect(acked).toBe(false);
    expect(bystander.socket.connected).toBe(true);
    const message = await sendMessage(bystander.socket, conversation.id, 'bystander still works');
    await bobClient.log.waitFor('message:new', (item) => item.id === message.id);
    await expectProbeStillSends();
    const health = await http.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', db: 'up' });
  }

  it('a 1 MB frame disconnects that socket only; others and /health are fine', async () => {
    await oversizedFrameClosesOnlyThatSocket(1_048_576);
  });

  it('a frame just over 64 KiB disconnects that socket only', async () => {
    await oversizedFrameClosesOnlyThatSocket(64 * 1024);
  });

  it('a 60 KB frame is a VALIDATION ack, not a disconnect', async () => {
    probeAsked++;
    const ack = await emitRaw(probe.socket, 'message:send', [
      { conversationId: conversation.id, content: 'x'.repeat(60_000), clientMsgId: randomUUID() },
    ]);

    expectError(ack, 'VALIDATION');
    await expectProbeStillSends();
  });
});

describe('after all of the above', () => {
  it('the server process is still healthy', async () => {
    const health = await http.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', db: 'up' });
    expect(probe.socket.connected).toBe(true);
    expect(probeAcks.duplicated).toEqual([]);
  });
});
