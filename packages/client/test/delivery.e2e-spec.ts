import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, TokenPair } from '@parley/protocol';
import { describe, expect, it, vi } from 'vitest';
import { ParleySocketError, type ParleyClient } from '../src/index.js';
import { record, reopen, signUp, untilStatus, useApi } from './support/parley-clients.js';

const app = useApi();

/** Long enough for late duplicates to show up before a test counts messages. */
const SETTLE_MS = 300;

async function directConversation(first: ParleyClient, second: ParleyClient) {
  return first.http.createConversation({ type: 'direct', memberId: second.userId! });
}

async function sendInOrder(client: ParleyClient, conversationId: string, contents: string[]) {
  for (const content of contents) await client.send(conversationId, content);
}

const contentsOf = (messages: Message[]) => messages.map((message) => message.content);
const seqsOf = (messages: Message[]) => messages.map((message) => message.seq);

describe('delivery across a lost connection', () => {
  it('stores a message cut off mid-send exactly once and delivers what others sent meanwhile', async () => {
    // A fixed 1 s reconnection delay keeps alice away while bob sends.
    const alice = await signUp(app.baseUrl, 'alice', {
      backoff: { initialDelayMs: 1000, maxDelayMs: 1000, randomizationFactor: 0 },
    });
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceReceived = record(alice, 'message');
    const bobReceived = record(bob, 'message');
    const aliceOutbox = record(alice, 'outbox');

    const sending = alice.send(conversation.id, 'cut off mid-send');
    const away = untilStatus(alice, 'reconnecting');
    // The frame goes out (close waits for the write buffer to drain), the ack cannot come back.
    alice.socket.io.engine.close();
    await away;
    await sendInOrder(bob, conversation.id, ['while away 1', 'while away 2', 'while away 3']);
    expect(alice.status).toBe('reconnecting');

    const stored = await sending;
    await vi.waitFor(() => expect(aliceReceived).toHaveLength(4));
    await vi.waitFor(() => expect(bobReceived).toHaveLength(4));
    await sleep(SETTLE_MS);

    // Resent after the reconnect with the same clientMsgId, and stored once.
    const transmissions = aliceOutbox
      .flat()
      .filter((entry) => entry.clientMsgId === stored.clientMsgId)
      .map((entry) => entry.attempts);
    expect(Math.max(...transmissions)).toBe(2);
    const history = await bob.http.getMessages(conversation.id);
    expect(
      history.messages.filter((message) => message.clientMsgId === stored.clientMsgId),
    ).toEqual([stored]);
    expect(seqsOf(history.messages)).toEqual([1, 2, 3, 4]);
    expect(history.hasMore).toBe(false);

    // Every message reaches each client exactly once, in seq order.
    for (const received of [aliceReceived, bobReceived]) {
      expect(seqsOf(received)).toEqual([1, 2, 3, 4]);
      expect(contentsOf(received).sort()).toEqual(
        ['cut off mid-send', 'while away 1', 'while away 2', 'while away 3'].sort(),
      );
    }
    expect(alice.outbox).toEqual([]);
    expect(alice.status).toBe('connected');
  });

  it('keeps messages sent while offline in the outbox and sends them in order on reconnect', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    await bob.connect();
    const bobReceived = record(bob, 'message');

    const sends = ['first', 'second', 'third'].map((content) =>
      alice.send(conversation.id, content),
    );
    expect(alice.outbox.map((entry) => [entry.content, entry.status])).toEqual([
      ['first', 'pending'],
      ['second', 'pending'],
      ['third', 'pending'],
    ]);
    await alice.connect();
    const stored = await Promise.all(sends);

    expect(seqsOf(stored)).toEqual([1, 2, 3]);
    await vi.waitFor(() => expect(contentsOf(bobReceived)).toEqual(['first', 'second', 'third']));
    expect(alice.outbox).toEqual([]);
  });

  it('gives an offline client exactly the messages it missed, over several sync rounds', async () => {
    // Two messages per conversation and round: five missed ones take three rounds.
    const alice = await signUp(app.baseUrl, 'alice', { syncLimit: 2 });
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const seenBefore = record(alice, 'message');
    await sendInOrder(bob, conversation.id, ['before 1', 'before 2']);
    await vi.waitFor(() => expect(seenBefore).toHaveLength(2));

    alice.disconnect();
    expect(alice.status).toBe('disconnected');
    const missed = ['missed 1', 'missed 2', 'missed 3', 'missed 4', 'missed 5'];
    await sendInOrder(bob, conversation.id, missed);
    const seenAfter = record(alice, 'message');
    await alice.connect();
    await sleep(SETTLE_MS);

    expect(contentsOf(seenAfter)).toEqual(missed);
    expect(seqsOf(seenAfter)).toEqual([3, 4, 5, 6, 7]);
    // No message changed: each took the rev after the one before.
    expect(alice.cursors()).toEqual([{ conversationId: conversation.id, seq: 7, rev: 7 }]);
  });

  it('delivers each message once while others keep sending during the reconnect', async () => {
    // Small sync rounds overlap with live messages of the burst: both bring the same seqs.
    const alice = await signUp(app.baseUrl, 'alice', { syncLimit: 3 });
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    alice.disconnect();
    const numbered = (from: number) => Array.from({ length: 15 }, (_, index) => `#${from + index}`);
    await sendInOrder(bob, conversation.id, numbered(1));
    const seen = record(alice, 'message');

    // The burst starts as alice's sync does; bob's outbox transmits it back to back, in order.
    const burst = new Promise<Message[]>((resolve, reject) => {
      alice.socket.once('connect', () => {
        const sends = numbered(16).map((content) => bob.send(conversation.id, content));
        Promise.all(sends).then(resolve, reject);
      });
    });
    await Promise.all([alice.connect(), burst]);
    await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(30));
    await sleep(SETTLE_MS);

    expect(contentsOf(seen)).toEqual([...numbered(1), ...numbered(16)]);
    expect(seqsOf(seen)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
  });

  it('syncs when a live message reveals that the one before it never came', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const seen = record(alice, 'message');
    // Alice's socket loses 'skipped' on the way (as with a publish lost between nodes); the
    // syncs she sends are counted when the message after it is handled.
    const syncsSent: unknown[] = [];
    alice.socket.onAnyOutgoing((event, payload) => {
      if (event === 'sync') syncsSent.push(payload);
    });
    const listeners = alice.socket.listeners('message:new');
    alice.socket.off('message:new');
    alice.socket.on('message:new', (message) => {
      if (message.content === 'skipped') return;
      for (const listener of listeners) listener(message);
    });

    await sendInOrder(bob, conversation.id, ['before', 'skipped', 'after']);
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    await sleep(SETTLE_MS);

    // One sync, from the cursor below the gap ('skipped' reached her by it alone).
    expect(syncsSent).toEqual([{ cursors: [{ conversationId: conversation.id, seq: 1, rev: 1 }] }]);
    expect(contentsOf(seen)).toEqual(['before', 'skipped', 'after']);
    expect(seqsOf(seen)).toEqual([1, 2, 3]);
    expect(alice.cursors()).toEqual([{ conversationId: conversation.id, seq: 3, rev: 3 }]);
  });

  it('brings the messages of a conversation the offline client was added to', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const carol = await signUp(app.baseUrl, 'carol');
    await alice.connect();
    alice.disconnect();

    const group = await carol.http.createConversation({
      type: 'group',
      name: 'Planning',
      memberIds: [alice.userId!],
    });
    await carol.connect();
    await sendInOrder(carol, group.id, ['welcome', 'agenda']);
    const seen = record(alice, 'message');
    await alice.connect();
    await sleep(SETTLE_MS);

    expect(seen.map((message) => [message.conversationId, message.content])).toEqual([
      [group.id, 'welcome'],
      [group.id, 'agenda'],
    ]);
  });

  it('resumes a restarted client from stored tokens and cursors', async () => {
    let storedTokens: TokenPair | null = null;
    const alice = await signUp(app.baseUrl, 'alice', {
      onTokens: (tokens) => (storedTokens = tokens),
    });
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const seenBefore = record(alice, 'message');
    await sendInOrder(bob, conversation.id, ['seen 1', 'seen 2']);
    await vi.waitFor(() => expect(seenBefore).toHaveLength(2));
    const storedCursors = alice.cursors();
    alice.close();

    await sendInOrder(bob, conversation.id, ['unseen 1', 'unseen 2', 'unseen 3']);
    const restarted = reopen({
      baseUrl: app.baseUrl,
      tokens: storedTokens,
      cursors: storedCursors,
    });
    const seenAfter = record(restarted, 'message');
    await restarted.connect();
    await sleep(SETTLE_MS);

    expect(contentsOf(seenAfter)).toEqual(['unseen 1', 'unseen 2', 'unseen 3']);
  });
});

describe('commands', () => {
  it('rejects and drops a send to a conversation the user is not in', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const bob = await signUp(app.baseUrl, 'bob');
    const carol = await signUp(app.baseUrl, 'carol');
    const conversation = await directConversation(bob, carol);
    await alice.connect();

    const failure = await alice.send(conversation.id, 'let me in').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ParleySocketError);
    expect(failure).toMatchObject({ code: 'NOT_FOUND' });
    expect(alice.outbox).toEqual([]);
  });

  it('rejects invalid content before it reaches the outbox', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);

    await expect(alice.send(conversation.id, ' \u0000 ')).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    expect(alice.outbox).toEqual([]);
  });

  it('marks messages read and delivered, and reports receipts and typing to the others', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const receipts = record(alice, 'receipt');
    const typing = record(alice, 'typing');
    await sendInOrder(alice, conversation.id, ['one', 'two']);

    await bob.markDelivered(conversation.id, 2);
    await expect(bob.markRead(conversation.id, 1)).resolves.toEqual({
      unreadCount: 1,
      mentionCount: 0,
    });
    await bob.setTyping(conversation.id, true);

    await vi.waitFor(() =>
      expect(receipts).toContainEqual({
        conversationId: conversation.id,
        userId: bob.userId,
        deliveredSeq: 2,
        readSeq: 1,
      }),
    );
    await vi.waitFor(() =>
      expect(typing).toEqual([
        { conversationId: conversation.id, userId: bob.userId, isTyping: true },
      ]),
    );
  });

  it('throws a ParleySocketError with the ack code for a conversation the user is not in', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const bob = await signUp(app.baseUrl, 'bob');
    const carol = await signUp(app.baseUrl, 'carol');
    const conversation = await directConversation(bob, carol);
    await alice.connect();

    await expect(alice.joinConversation(conversation.id)).rejects.toMatchObject({
      name: 'ParleySocketError',
      code: 'NOT_FOUND',
    });
    await expect(alice.markRead(conversation.id, 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
