import type { Message, SendMessagePayload } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isFinalSendError, Outbox } from './outbox.js';
import { ParleySocketError } from './socket-error.js';

const conversationId = '00000000-0000-4000-8000-00000000000a';

interface Transmission {
  payload: SendMessagePayload;
  resolve: (message: Message) => void;
  reject: (error: ParleySocketError) => void;
}

function storedMessage(payload: SendMessagePayload, seq: number): Message {
  return {
    id: `id-${seq}`,
    seq,
    senderId: '00000000-0000-4000-8000-000000000001',
    type: 'text',
    createdAt: new Date().toISOString(),
    rev: seq,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    mentions: [],
    reactions: [],
    attachments: [],
    ...payload,
  };
}

let transmissions: Transmission[];
let sent: Message[];
/** Whether the ledger releases a confirmed message at once (nothing missing before it). */
let releasedAtAck: boolean;
let sut: Outbox;

function createOutbox(maxAttempts = 3) {
  return new Outbox({
    transmit: (payload) =>
      new Promise((resolve, reject) => transmissions.push({ payload, resolve, reject })),
    deliver: (message) => {
      sent.push(message);
      return releasedAtAck;
    },
    onChange: () => undefined,
    backoff: { initialDelayMs: 100, maxDelayMs: 1000, randomizationFactor: 0 },
    maxAttempts,
  });
}

const enqueue = (content: string, clientMsgId = `client-${content}`) =>
  sut.enqueue({ conversationId, content, clientMsgId });
const contents = () => transmissions.map((transmission) => transmission.payload.content);

beforeEach(() => {
  vi.useFakeTimers();
  transmissions = [];
  sent = [];
  releasedAtAck = true;
  sut = createOutbox();
});

afterEach(() => {
  sut.suspend();
  vi.useRealTimers();
});

describe('Outbox', () => {
  it('holds messages while offline and sends them in order once online', async () => {
    const first = enqueue('one');
    const second = enqueue('two');
    expect(transmissions).toEqual([]);
    expect(sut.entries.map((entry) => entry.status)).toEqual(['pending', 'pending']);

    sut.resume();
    expect(contents()).toEqual(['one', 'two']);
    transmissions[0]!.resolve(storedMessage(transmissions[0]!.payload, 1));
    transmissions[1]!.resolve(storedMessage(transmissions[1]!.payload, 2));

    expect((await first).seq).toBe(1);
    expect((await second).seq).toBe(2);
    expect(sent.map((message) => message.seq)).toEqual([1, 2]);
    expect(sut.entries).toEqual([]);
  });

  it('resends in-flight messages with the same clientMsgId, in order, after going offline', async () => {
    sut.resume();
    const first = enqueue('one', 'id-one');
    enqueue('two', 'id-two');
    sut.suspend();
    // The answers to the lost transmissions arrive late and must be ignored.
    transmissions[0]!.reject(new ParleySocketError('DISCONNECTED', 'gone'));
    transmissions[1]!.reject(new ParleySocketError('DISCONNECTED', 'gone'));
    await vi.advanceTimersByTimeAsync(0);
    expect(sut.entries.map((entry) => entry.status)).toEqual(['pending', 'pending']);

    sut.resume();
    expect(transmissions.slice(2).map((transmission) => transmission.payload.clientMsgId)).toEqual([
      'id-one',
      'id-two',
    ]);
    transmissions[2]!.resolve(storedMessage(transmissions[2]!.payload, 1));
    expect((await first).clientMsgId).toBe('id-one');
    expect(sut.entries.map((entry) => [entry.clientMsgId, entry.attempts])).toEqual([
      ['id-two', 2],
    ]);
  });

  it('transmits a reply with its replyToSeq and mentions, the same on every retry', async () => {
    const mentioned = '00000000-0000-4000-8000-00000000000b';
    sut.resume();
    const sending = sut.enqueue({
      conversationId,
      content: 'see above',
      clientMsgId: 'id-reply',
      replyToSeq: 3,
      mentions: [mentioned],
    });
    expect(sut.entries[0]).toMatchObject({ replyToSeq: 3, mentions: [mentioned] });
    transmissions[0]!.reject(new ParleySocketError('UNAVAILABLE', 'busy'));
    await vi.advanceTimersByTimeAsync(1000);

    const expected = {
      conversationId,
      content: 'see above',
      clientMsgId: 'id-reply',
      replyToSeq: 3,
      mentions: [mentioned],
    };
    expect(transmissions.map((transmission) => transmission.payload)).toEqual([expected, expected]);
    transmissions[1]!.resolve(storedMessage(transmissions[1]!.payload, 4));
    expect((await sending).replyToSeq).toBe(3);
  });

  it('leaves replyToSeq and mentions out of a plain message', () => {
    sut.resume();
    void enqueue('plain');
    expect(Object.keys(transmissions[0]!.payload).sort()).toEqual([
      'clientMsgId',
      'content',
      'conversationId',
    ]);
  });

  it.each(['VALIDATION', 'NOT_FOUND', 'FORBIDDEN'] as const)(
    'rejects and drops a message answered %s',
    async (code) => {
      sut.resume();
      const sending = enqueue('bad');
      transmissions[0]!.reject(new ParleySocketError(code, 'no'));

      await expect(sending).rejects.toMatchObject({ code });
      expect(sut.entries).toEqual([]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(transmissions).toHaveLength(1);
    },
  );

  it('waits retryAfterMs after RATE_LIMITED, then probes with the oldest message alone', async () => {
    sut.resume();
    const first = enqueue('one');
    transmissions[0]!.reject(new ParleySocketError('RATE_LIMITED', 'slow down', 500));
    await vi.advanceTimersByTimeAsync(0);
    enqueue('two');
    expect(contents()).toEqual(['one']);

    await vi.advanceTimersByTimeAsync(499);
    expect(contents()).toEqual(['one']);
    await vi.advanceTimersByTimeAsync(1);
    expect(contents()).toEqual(['one', 'one']);

    transmissions[1]!.resolve(storedMessage(transmissions[1]!.payload, 1));
    await first;
    expect(contents()).toEqual(['one', 'one', 'two']);
  });

  it('retries transient errors with backoff, then marks the entry failed and rejects', async () => {
    sut.resume();
    const sending = enqueue('flaky');
    const failure = expect(sending).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    transmissions[0]!.reject(new ParleySocketError('UNAVAILABLE', 'db down'));
    await vi.advanceTimersByTimeAsync(100);
    expect(transmissions).toHaveLength(2);
    transmissions[1]!.reject(new ParleySocketError('TIMEOUT', 'no answer'));
    await vi.advanceTimersByTimeAsync(199);
    expect(transmissions).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(transmissions).toHaveLength(3);
    transmissions[2]!.reject(new ParleySocketError('UNAVAILABLE', 'db down'));

    await failure;
    expect(sut.entries).toMatchObject([
      { content: 'flaky', status: 'failed', attempts: 3, lastError: { code: 'UNAVAILABLE' } },
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(transmissions).toHaveLength(3);

    const retried = sut.retry('client-flaky');
    expect(transmissions).toHaveLength(4);
    transmissions[3]!.resolve(storedMessage(transmissions[3]!.payload, 7));
    expect((await retried).seq).toBe(7);
    expect(sut.entries).toEqual([]);
  });

  it('cancels a queued message: its send rejects and it is never transmitted', async () => {
    const sending = enqueue('never');
    expect(sut.cancel('client-never')).toBe(true);
    expect(sut.cancel('client-never')).toBe(false);
    await expect(sending).rejects.toMatchObject({ code: 'CANCELLED' });

    sut.resume();
    expect(transmissions).toEqual([]);
  });

  it('keeps a confirmed entry until the ledger releases its message, without resending it', async () => {
    releasedAtAck = false;
    sut.resume();
    const sending = enqueue('behind a gap');
    const stored = storedMessage(transmissions[0]!.payload, 12);
    transmissions[0]!.resolve(stored);

    expect(await sending).toEqual(stored);
    expect(sut.entries.map((entry) => [entry.content, entry.status])).toEqual([
      ['behind a gap', 'pending'],
    ]);
    sut.suspend();
    sut.resume();
    expect(transmissions).toHaveLength(1);

    sut.released([storedMessage({ conversationId, content: 'other', clientMsgId: 'x' }, 11)]);
    expect(sut.entries).toHaveLength(1);
    sut.released([stored]);
    expect(sut.entries).toEqual([]);
  });

  it('keeps one snapshot of the entries until they change', () => {
    const empty = sut.entries;
    expect(sut.entries).toBe(empty);
    enqueue('one');
    const queued = sut.entries;
    expect(queued).not.toBe(empty);
    expect(sut.entries).toBe(queued);
    expect(Object.isFrozen(queued)).toBe(true);

    sut.resume();
    expect(sut.entries).not.toBe(queued);
    expect(sut.entries.map((entry) => entry.attempts)).toEqual([1]);
    expect(queued.map((entry) => entry.attempts)).toEqual([0]);
  });
});

describe('isFinalSendError', () => {
  it.each(['VALIDATION', 'NOT_FOUND', 'FORBIDDEN'] as const)('is true for %s', (code) => {
    expect(isFinalSendError(new ParleySocketError(code, 'no'))).toBe(true);
  });

  it.each(['RATE_LIMITED', 'UNAVAILABLE', 'TIMEOUT', 'CANCELLED', 'CLOSED'] as const)(
    'is false for %s, and for anything but a ParleySocketError',
    (code) => {
      expect(isFinalSendError(new ParleySocketError(code, 'later'))).toBe(false);
      expect(isFinalSendError(new Error(code))).toBe(false);
    },
  );
});
