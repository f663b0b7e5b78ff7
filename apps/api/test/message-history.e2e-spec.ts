import { randomUUID } from 'node:crypto';
import type { Message, MessagePage } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support/api-context.js';
import { sendMessage, type Session } from './support/chat-client.js';
import { expectContractError } from './support/test-app.js';

// 120 sends in a burst: past the default per-user send rate limit.
const { http, online, users, createDirect } = useTestApp({
  SEND_RATE_BURST: '1000',
  SEND_RATE_PER_SEC: '1000',
});

const unknownId = () => randomUUID();

describe('GET /conversations/:id/messages', () => {
  const history = (id: string, query: string, session: Session) =>
    http.get<MessagePage>(`/conversations/${id}/messages${query}`, session.accessToken);

  const seqs = (messages: Message[]) => messages.map((message) => message.seq);
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, index) => from + index);

  it('pages 120 messages back and forth, ascending, without overlap or gap', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    const aliceDevice = await online(alice);
    const sent = await Promise.all(
      range(1, 120).map((index) => sendMessage(aliceDevice.socket, conversation.id, `m${index}`)),
    );
    expect(seqs(sent)).toEqual(range(1, 120));

    /** The 50 messages before the oldest of `page`. */
    const olderThan = (page: MessagePage) =>
      history(conversation.id, `?limit=50&before=${page.messages[0]!.seq}`, bob);

    const latest = await history(conversation.id, '?limit=50', bob);
    expect(latest.status).toBe(200);
    expect(seqs(latest.body.messages)).toEqual(range(71, 120));
    expect(latest.body.hasMore).toBe(true);

    const middle = await olderThan(latest.body);
    expect(seqs(middle.body.messages)).toEqual(range(21, 70));
    expect(middle.body.hasMore).toBe(true);

    const oldest = await olderThan(middle.body);
    expect(seqs(oldest.body.messages)).toEqual(range(1, 20));
    expect(oldest.body.hasMore).toBe(false);

    expect([...oldest.body.messages, ...middle.body.messages, ...latest.body.messages]).toEqual(
      sent,
    );

    const forward: MessagePage[] = [];
    for (const after of [0, 50, 100]) {
      const page = await history(conversation.id, `?limit=50&after=${after}`, bob);
      expect(page.status).toBe(200);
      forward.push(page.body);
    }
    expect(forward.map((page) => seqs(page.messages))).toEqual([
      range(1, 50),
      range(51, 100),
      range(101, 120),
    ]);
    expect(forward.map((page) => page.hasMore)).toEqual([true, true, false]);
    expect(forward.flatMap((page) => page.messages)).toEqual(sent);

    expect((await history(conversation.id, '?after=120', bob)).body).toEqual({
      messages: [],
      hasMore: false,
    });
    const byDefault = await history(conversation.id, '', bob);
    expect(seqs(byDefault.body.messages)).toEqual(range(71, 120));
    expect(byDefault.body.hasMore).toBe(true);
  });

  it('answers an empty page for a conversation without messages', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    expect((await history(conversation.id, '', alice)).body).toEqual({
      messages: [],
      hasMore: false,
    });
  });

  it('answers 400 for a bad query and 404 for a non-member', async () => {
    const [alice, bob, eve] = await users(3);
    const conversation = await createDirect(alice, bob);

    for (const query of [
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?before=5&after=2',
      '?before=-1',
      '?after=abc',
    ]) {
      expectContractError(await history(conversation.id, query, alice), 400);
    }
    const outsider = await history(conversation.id, '', eve);
    expectContractError(outsider, 404);
    expect(outsider.body).toEqual((await history(unknownId(), '', eve)).body);
  });

  it('answers 400 for an empty before or after, not an empty page', async () => {
    const [alice, bob] = await users(2);
    const conversation = await createDirect(alice, bob);
    await sendMessage((await online(alice)).socket, conversation.id, 'there is history');

    // An empty seq is no seq: answering `{messages: [], hasMore: false}` tells the client
    // that there is no history at all.
    expectContractError(await history(conversation.id, '?before=', alice), 400);
    expectContractError(await history(conversation.id, '?after=', alice), 400);
  });
});
