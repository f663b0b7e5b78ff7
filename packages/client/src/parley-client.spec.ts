import type { Message } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ParleyClient } from './parley-client.js';

const conversationId = '00000000-0000-4000-8000-00000000000a';
const bobId = '00000000-0000-4000-8000-00000000000b';

function stored(seq: number, rev: number, changes: Partial<Message> = {}): Message {
  return {
    id: `id-${seq}`,
    conversationId,
    seq,
    senderId: '00000000-0000-4000-8000-000000000001',
    clientMsgId: '00000000-0000-4000-8000-0000000000c1',
    content: `message ${seq}`,
    type: 'text',
    createdAt: new Date(seq * 1000).toISOString(),
    rev,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    mentions: [],
    reactions: [],
    attachments: [],
    ...changes,
  };
}

let sut: ParleyClient;
/** Every command the client emitted, in order. */
let emitted: { event: string; payload: unknown }[];
/** What the server answers to the next command (an ack). */
let answer: unknown;
let updated: Message[];

/** Delivers a server -> client event as the socket would. */
function serverSends(event: 'message:updated', message: Message): void {
  for (const listener of sut.socket.listeners(event)) listener(message);
}

beforeEach(() => {
  // No server: the socket is made to look connected, and its acks come from `answer`. The
  // conversation is one the client synced before (as after any connect).
  sut = new ParleyClient({
    baseUrl: 'http://127.0.0.1:9',
    cursors: [{ conversationId, seq: 10, rev: 10 }],
  });
  emitted = [];
  updated = [];
  sut.on('messageUpdated', (message) => updated.push(message));
  Object.assign(sut.socket, { connected: true });
  vi.spyOn(sut.socket, 'timeout').mockReturnValue({
    emitWithAck: (event: string, payload: unknown) => {
      emitted.push({ event, payload });
      return Promise.resolve(answer);
    },
  } as unknown as ReturnType<ParleyClient['socket']['timeout']>);
});

afterEach(() => {
  Object.assign(sut.socket, { connected: false });
  sut.close();
  vi.restoreAllMocks();
});

describe('ParleyClient: message changes', () => {
  it('edits with the contract’s payload and announces the edited message once', async () => {
    const edit = stored(4, 12, { content: 'fixed', editedAt: new Date().toISOString() });
    answer = { ok: true, message: edit };

    await expect(sut.editMessage(conversationId, 4, 'fixed', [bobId])).resolves.toEqual(edit);
    expect(emitted).toEqual([
      {
        event: 'message:edit',
        payload: { conversationId, seq: 4, content: 'fixed', mentions: [bobId] },
      },
    ]);
    // The live echo of the same change is not news.
    serverSends('message:updated', edit);
    expect(updated).toEqual([edit]);
  });

  it('edits without mentions by leaving them out', async () => {
    answer = { ok: true, message: stored(4, 12) };
    await sut.editMessage(conversationId, 4, 'fixed');
    expect(emitted[0]?.payload).toEqual({ conversationId, seq: 4, content: 'fixed' });
  });

  it('deletes and reacts with the contract’s payloads', async () => {
    const tombstone = stored(4, 13, { content: '', deletedAt: new Date().toISOString() });
    answer = { ok: true, message: tombstone };
    await expect(sut.deleteMessage(conversationId, 4)).resolves.toEqual(tombstone);

    const reacted = stored(5, 14, { reactions: [{ emoji: '👍', userIds: [bobId] }] });
    answer = { ok: true, message: reacted };
    await expect(sut.react(conversationId, 5, '👍', true)).resolves.toEqual(reacted);

    expect(emitted).toEqual([
      { event: 'message:delete', payload: { conversationId, seq: 4 } },
      { event: 'message:react', payload: { conversationId, seq: 5, emoji: '👍', on: true } },
    ]);
    expect(updated).toEqual([tombstone, reacted]);
  });

  it('announces nothing for a change that changed nothing (its ack answers the message as it was)', async () => {
    const liked = stored(5, 14, { reactions: [{ emoji: '👍', userIds: [bobId] }] });
    serverSends('message:updated', liked);
    answer = { ok: true, message: liked };
    await sut.react(conversationId, 5, '👍', true);
    expect(updated).toEqual([liked]);
  });

  it('refuses a bad change before it reaches the server', async () => {
    await expect(sut.react(conversationId, 5, 'ok', true)).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(sut.editMessage(conversationId, 0, 'text')).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(sut.editMessage(conversationId, 3, ' \u0000 ')).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(sut.deleteMessage('not-a-uuid', 3)).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    expect(emitted).toEqual([]);
  });

  it('rejects with the server’s error code', async () => {
    answer = { ok: false, error: { code: 'FORBIDDEN', message: 'Not your message' } };
    await expect(sut.editMessage(conversationId, 4, 'mine now')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(updated).toEqual([]);
  });

  it('answers the mention count with the unread count on markRead', async () => {
    answer = { ok: true, unreadCount: 2, mentionCount: 1 };
    await expect(sut.markRead(conversationId, 7)).resolves.toEqual({
      unreadCount: 2,
      mentionCount: 1,
    });
  });
});
