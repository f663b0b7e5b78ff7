import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { request, sendMessage } from './support/chat-client.js';

const { online, registerUser, createDirect } = useTestApp({
  SEND_RATE_BURST: '100000',
  SEND_RATE_PER_SEC: '100000',
});

const expectError = (ack: unknown, code: string) =>
  expect(ack).toEqual({ ok: false, error: { code, message: expect.any(String) } });

describe('typing', () => {
  it('reaches the other members and the typer’s other devices, but not the typing socket', async () => {
    const [dave, erin, frank] = await Promise.all([registerUser(), registerUser(), registerUser()]);
    const shared = await createDirect(dave, erin);
    const typist = await online(dave.accessToken);
    const daveOtherDevice = await online(dave.accessToken);
    const erinClient = await online(erin.accessToken);
    const outsider = await online(frank.accessToken);

    const ack = await request(typist.socket, 'typing', {
      conversationId: shared.id,
      isTyping: true,
    });

    expect(ack).toEqual({ ok: true });
    const expected = { conversationId: shared.id, userId: dave.user.id, isTyping: true };
    expect(await erinClient.log.waitFor('typing')).toEqual(expected);
    expect(await daveOtherDevice.log.waitFor('typing')).toEqual(expected);
    // A message sent after the typing event arrives after it on every socket of the room.
    const marker = await sendMessage(erinClient.socket, shared.id, 'marker');
    await typist.log.waitFor('message:new', (message) => message.id === marker.id);
    expect(typist.log.of('typing')).toEqual([]);
    expect(outsider.log.of('typing')).toEqual([]);
    expect(
      await request(typist.socket, 'typing', { conversationId: shared.id, isTyping: false }),
    ).toEqual({
      ok: true,
    });
    expect(await erinClient.log.waitFor('typing', (event) => !event.isTyping)).toEqual({
      ...expected,
      isTyping: false,
    });
  });

  it('answers NOT_FOUND to typing in a conversation the user is not a member of, and tells no one', async () => {
    const [dave, erin, mallory] = await Promise.all([
      registerUser(),
      registerUser(),
      registerUser(),
    ]);
    const theirs = await createDirect(dave, erin);
    const erinClient = await online(erin.accessToken);
    const intruder = await online(mallory.accessToken);

    const ack = await request(intruder.socket, 'typing', {
      conversationId: theirs.id,
      isTyping: true,
    });

    expectError(ack, 'NOT_FOUND');
    const daveClient = await online(dave.accessToken);
    const marker = await sendMessage(daveClient.socket, theirs.id, 'marker');
    await erinClient.log.waitFor('message:new', (message) => message.id === marker.id);
    expect(erinClient.log.of('typing')).toEqual([]);
  });

  it('rate-limits typing past a burst of 20, and relays only the allowed events', async () => {
    const [dave, erin] = await Promise.all([registerUser(), registerUser()]);
    const shared = await createDirect(dave, erin);
    const typist = await online(dave.accessToken);
    const erinClient = await online(erin.accessToken);

    const acks = await Promise.all(
      Array.from({ length: 25 }, (_, index) =>
        request(typist.socket, 'typing', { conversationId: shared.id, isTyping: index % 2 === 0 }),
      ),
    );

    expect(acks.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => ({ ok: true })));
    const limited = acks.at(-1)!;
    expect(limited).toEqual({
      ok: false,
      error: {
        code: 'RATE_LIMITED',
        message: expect.any(String),
        retryAfterMs: expect.any(Number),
      },
    });
    expect(limited.ok === false && limited.error.retryAfterMs).toBeGreaterThan(0);
    const allowed = acks.filter((ack) => ack.ok).length;
    const marker = await sendMessage(typist.socket, shared.id, 'marker');
    await erinClient.log.waitFor('message:new', (message) => message.id === marker.id);
    expect(erinClient.log.of('typing')).toHaveLength(allowed);
    expect(typist.socket.connected).toBe(true);
  });
});
