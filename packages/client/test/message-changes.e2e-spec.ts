import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '@parley/protocol';
import { describe, expect, it, vi } from 'vitest';
import type { ParleyClient } from '../src/index.js';
import { PASSWORD, record, reopen, signUp, useApi } from './support/parley-clients.js';

const app = useApi();

/** Long enough for late duplicates to show up before a test counts events. */
const SETTLE_MS = 300;

async function directConversation(first: ParleyClient, second: ParleyClient) {
  return first.http.createConversation({ type: 'direct', memberId: second.userId! });
}

/** `seq@rev content`: which state of which message. */
const statesOf = (messages: Message[]) =>
  messages.map((message) => `${message.seq}@${message.rev} ${message.content}`);

describe('message changes through the SDK', () => {
  it('sends replies and mentions, and shows every edit, reaction and delete once to both sides', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const bobSees = record(bob, 'message');
    const bobSeesChanged = record(bob, 'messageUpdated');
    const aliceSeesChanged = record(alice, 'messageUpdated');

    const question = await alice.send(conversation.id, 'lunch?');
    const answer = await bob.send(conversation.id, '@alice yes', {
      replyToSeq: question.seq,
      mentions: [alice.userId!],
    });
    expect(answer).toMatchObject({ replyToSeq: 1, mentions: [alice.userId] });

    const edit = await alice.editMessage(conversation.id, question.seq, 'lunch at noon?');
    await bob.react(conversation.id, question.seq, '👍', true);
    // On twice is once: no new rev, nothing announced.
    await bob.react(conversation.id, question.seq, '👍', true);
    const tombstone = await alice.deleteMessage(conversation.id, question.seq);
    expect(tombstone).toMatchObject({ content: '', reactions: [] });
    expect(tombstone.deletedAt).not.toBeNull();
    await vi.waitFor(() => expect(bobSeesChanged).toHaveLength(3));
    await sleep(SETTLE_MS);

    // The message was sent at rev 1, the answer took 2: edit 3, reaction 4, delete 5.
    const expected = ['1@3 lunch at noon?', '1@4 lunch at noon?', '1@5 '];
    expect(edit.rev).toBe(3);
    expect(statesOf(bobSeesChanged)).toEqual(expected);
    // Alice hears of each change once: from her ack or the live echo, whichever came first.
    expect(statesOf(aliceSeesChanged)).toEqual(expected);
    expect(bobSees.map((message) => message.seq)).toEqual([1, 2]);
    expect(bob.cursors()).toEqual([{ conversationId: conversation.id, seq: 2, rev: 5 }]);

    // A quoted message the client does not hold comes over REST, as it is now.
    await expect(bob.http.getMessage(conversation.id, question.seq)).resolves.toEqual(tombstone);
  });

  it('brings the changes an offline client missed through sync, newest states once, over several rounds', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    // Two changes per round: the missed ones take several rounds of `hasMoreUpdated`.
    const bob = await signUp(app.baseUrl, 'bob', { syncLimit: 2 });
    const conversation = await directConversation(alice, bob);
    await Promise.all([alice.connect(), bob.connect()]);
    const bobSees = record(bob, 'message');
    for (const content of ['one', 'two', 'three', 'four']) {
      await alice.send(conversation.id, content);
    }
    await vi.waitFor(() => expect(bobSees).toHaveLength(4));

    bob.disconnect();
    await alice.editMessage(conversation.id, 1, 'one, edited');
    await alice.editMessage(conversation.id, 1, 'one, edited twice');
    await alice.react(conversation.id, 2, '🎉', true);
    await alice.editMessage(conversation.id, 3, 'three, edited');
    await alice.deleteMessage(conversation.id, 4);
    await alice.send(conversation.id, 'five');
    const changed = record(bob, 'messageUpdated');
    const syncs: unknown[] = [];
    bob.socket.onAnyOutgoing((event, payload) => {
      if (event === 'sync') syncs.push(payload);
    });
    await bob.connect();
    await sleep(SETTLE_MS);

    // Rev 5 (the first edit of message 1) was overwritten by rev 6: only the newest shows.
    expect(statesOf(changed)).toEqual([
      '1@6 one, edited twice',
      '2@7 two',
      '3@8 three, edited',
      '4@9 ',
    ]);
    expect(changed[1]!.reactions).toEqual([{ emoji: '🎉', userIds: [alice.userId] }]);
    expect(bobSees.map((message) => `${message.seq}@${message.rev} ${message.content}`)).toEqual([
      '1@1 one',
      '2@2 two',
      '3@3 three',
      '4@4 four',
      '5@10 five',
    ]);
    expect(syncs.length).toBeGreaterThan(1);
    const conversationNow = await bob.http.getConversation(conversation.id);
    expect(bob.cursors()).toEqual([
      { conversationId: conversation.id, seq: 5, rev: conversationNow.lastRev },
    ]);
  });

  it('answers mention counts on markRead, and the reader’s other device hears the same', async () => {
    const alice = await signUp(app.baseUrl, 'alice');
    const bob = await signUp(app.baseUrl, 'bob');
    const conversation = await directConversation(alice, bob);
    const bobsPhone = reopen({ baseUrl: app.baseUrl });
    await bobsPhone.login({ username: bob.user!.username, password: PASSWORD });
    await Promise.all([alice.connect(), bob.connect(), bobsPhone.connect()]);
    const phoneHears = record(bobsPhone, 'unread');
    await alice.send(conversation.id, '@bob one', { mentions: [bob.userId!] });
    await alice.send(conversation.id, 'two');
    await alice.send(conversation.id, '@bob three', { mentions: [bob.userId!] });

    // The counts themselves are the server's (its e2e suites check them): here, that the SDK
    // carries them from the ack and the event as the server states them.
    const read = await bob.markRead(conversation.id, 1);
    expect(read).toEqual({ unreadCount: 2, mentionCount: expect.any(Number) });
    const afterRead = await bob.http.getConversation(conversation.id);
    expect(afterRead.mentionCount).toBe(read.mentionCount);
    await vi.waitFor(() =>
      expect(phoneHears).toEqual([{ conversationId: conversation.id, lastReadSeq: 1, ...read }]),
    );
  });
});
