import type { Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { MessageLedger } from './message-ledger.js';

const conversationA = '00000000-0000-4000-8000-00000000000a';
const conversationB = '00000000-0000-4000-8000-00000000000b';

function message(conversationId: string, seq: number): Message {
  return {
    id: `${conversationId}-${seq}`,
    conversationId,
    seq,
    senderId: '00000000-0000-4000-8000-000000000001',
    clientMsgId: `client-${conversationId}-${seq}`,
    content: `message ${seq}`,
    type: 'text',
    createdAt: new Date(seq * 1000).toISOString(),
    rev: seq,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    mentions: [],
    reactions: [],
    attachments: [],
  };
}

const seqs = (messages: Message[]) => messages.map((released) => released.seq);
const live = { syncing: false };

describe('MessageLedger', () => {
  it('releases each seq once, whatever the source', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 0 }]);

    expect(seqs(sut.acceptLive(message(conversationA, 1), live))).toEqual([1]);
    expect(seqs(sut.acceptLive(message(conversationA, 1), live))).toEqual([]);
    expect(
      seqs(sut.acceptSynced(conversationA, [message(conversationA, 1), message(conversationA, 2)])),
    ).toEqual([2]);
    expect(seqs(sut.acceptLive(message(conversationA, 2), live))).toEqual([]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 2 }]);
  });

  it('holds a live message behind a gap until sync fills the gap, then releases in order', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 10 }]);

    expect(seqs(sut.acceptLive(message(conversationA, 13), live))).toEqual([]);
    expect(sut.hasGaps()).toBe(true);
    // The cursor stays below the gap, so sync asks for the missing messages.
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 10 }]);

    const synced = [11, 12, 13].map((seq) => message(conversationA, seq));
    expect(seqs(sut.acceptSynced(conversationA, synced))).toEqual([11, 12, 13]);
    expect(sut.hasGaps()).toBe(false);
  });

  it('tells in which conversation a live message revealed a gap', () => {
    const sut = new MessageLedger([
      { conversationId: conversationA, seq: 10 },
      { conversationId: conversationB, seq: 3 },
    ]);

    sut.acceptLive(message(conversationA, 11), live);
    expect(sut.hasGapIn(conversationA)).toBe(false);
    sut.acceptLive(message(conversationA, 13), live);
    expect(sut.hasGapIn(conversationA)).toBe(true);
    expect(sut.hasGapIn(conversationB)).toBe(false);
    sut.acceptLive(message(conversationA, 12), live);
    expect(sut.hasGapIn(conversationA)).toBe(false);
  });

  it('sees no gap in a conversation whose start a running sync decides', () => {
    const sut = new MessageLedger();
    sut.acceptLive(message(conversationA, 57), { syncing: true });
    expect(sut.hasGapIn(conversationA)).toBe(false);
    expect(sut.hasGaps()).toBe(true);
  });

  it('drops messages at or below a cursor kept from an earlier run', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 5 }]);
    const synced = [4, 5, 6].map((seq) => message(conversationA, seq));
    expect(seqs(sut.acceptSynced(conversationA, synced))).toEqual([6]);
  });

  it('starts an unknown conversation at its first live message outside a sync', () => {
    const sut = new MessageLedger();
    expect(seqs(sut.acceptLive(message(conversationA, 57), live))).toEqual([57]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 57 }]);
  });

  it('lets the sync answer decide where an unknown conversation starts during a sync', () => {
    const sut = new MessageLedger();
    // Live message 8 overtakes the sync answer that brings 6..7.
    expect(seqs(sut.acceptLive(message(conversationA, 8), { syncing: true }))).toEqual([]);
    expect(sut.cursors()).toEqual([]);

    const synced = [6, 7].map((seq) => message(conversationA, seq));
    expect(seqs(sut.acceptSynced(conversationA, synced))).toEqual([6, 7, 8]);
  });

  it('starts an unlisted conversation with no messages at seq 0', () => {
    const sut = new MessageLedger();
    expect(sut.acceptSynced(conversationB, [])).toEqual([]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationB, seq: 0 }]);
  });

  it('gives up on gaps on request: releases what is held, in order, once', () => {
    const sut = new MessageLedger([
      { conversationId: conversationA, seq: 1 },
      { conversationId: conversationB, seq: 1 },
    ]);
    sut.acceptLive(message(conversationA, 5), live);
    sut.acceptLive(message(conversationA, 3), live);
    sut.acceptLive(message(conversationB, 4), live);

    expect(
      sut.releaseHeldBack().map((released) => [released.conversationId, released.seq]),
    ).toEqual([
      [conversationA, 3],
      [conversationA, 5],
      [conversationB, 4],
    ]);
    expect(sut.hasGaps()).toBe(false);
    expect(seqs(sut.acceptLive(message(conversationA, 4), live))).toEqual([]);
    expect(seqs(sut.acceptLive(message(conversationA, 6), live))).toEqual([6]);
  });

  it('releases the held messages of a conversation whose start never came', () => {
    const sut = new MessageLedger();
    sut.acceptLive(message(conversationA, 9), { syncing: true });
    expect(seqs(sut.releaseHeldBack())).toEqual([9]);
    expect(sut.cursors()).toEqual([{ conversationId: conversationA, seq: 9 }]);
  });

  it('forgets a removed conversation', () => {
    const sut = new MessageLedger([{ conversationId: conversationA, seq: 3 }]);
    expect(sut.forget(conversationA)).toBe(true);
    expect(sut.forget(conversationA)).toBe(false);
    expect(sut.cursors()).toEqual([]);
  });
});
