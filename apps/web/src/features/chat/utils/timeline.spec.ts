import type { Message } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { buildTimeline, type PendingMessage, type TimelineOptions } from './timeline';

const now = new Date(2025, 5, 18, 15, 0);
const at = (day: number, hour: number, minute = 0) =>
  new Date(2025, 5, day, hour, minute).toISOString();

function message(seq: number, senderId: string, createdAt: string): Message {
  return {
    id: `id-${seq}`,
    conversationId: 'c1',
    seq,
    senderId,
    clientMsgId: `client-${seq}`,
    content: `message ${seq}`,
    type: 'text',
    createdAt,
    rev: seq,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    mentions: [],
    reactions: [],
    attachments: [],
  };
}

const options: TimelineOptions = {
  ownUserId: 'me',
  isGroup: true,
  members: [
    {
      userId: 'me',
      username: 'me',
      displayName: 'Me',
      role: 'owner',
      lastReadSeq: 0,
      lastDeliveredSeq: 0,
    },
    {
      userId: 'ann',
      username: 'ann',
      displayName: 'Ann',
      role: 'member',
      lastReadSeq: 0,
      lastDeliveredSeq: 0,
    },
  ],
  unreadAfterSeq: null,
  now,
};

describe('buildTimeline', () => {
  it('puts a separator before each new day', () => {
    const items = buildTimeline(
      [message(1, 'ann', at(17, 9)), message(2, 'ann', at(17, 10)), message(3, 'me', at(18, 8))],
      [],
      options,
    );
    expect(items.map((item) => (item.kind === 'day' ? item.label : item.kind))).toEqual([
      'Yesterday',
      'message',
      'message',
      'Today',
      'message',
    ]);
  });

  it('names the sender of others at the start of a run in groups', () => {
    const items = buildTimeline(
      [
        message(1, 'ann', at(18, 9, 0)),
        message(2, 'ann', at(18, 9, 1)),
        message(3, 'ghost', at(18, 9, 2)),
        message(4, 'me', at(18, 9, 3)),
        message(5, 'ann', at(18, 9, 30)),
        message(6, 'ann', at(18, 9, 45)),
      ],
      [],
      options,
    );
    const rows = items.filter((item) => item.kind === 'message');
    expect(rows.map((row) => row.senderName)).toEqual([
      'Ann',
      'Ann',
      'Former member',
      'You',
      'Ann',
      'Ann',
    ]);
    expect(rows.map((row) => row.fromGroupPeer)).toEqual([true, true, true, false, true, true]);
    expect(rows.map((row) => row.continuesRun)).toEqual([false, true, false, false, false, false]);
    expect(rows.map((row) => row.endsRun)).toEqual([false, true, true, true, true, true]);
  });

  it('draws no sender names or avatars in direct chats', () => {
    const items = buildTimeline([message(1, 'ann', at(18, 9))], [], {
      ...options,
      isGroup: false,
    });
    expect(items.find((item) => item.kind === 'message')).toMatchObject({ fromGroupPeer: false });
  });

  it('marks where unread messages from others begin', () => {
    const items = buildTimeline(
      [
        message(1, 'ann', at(18, 9)),
        message(2, 'me', at(18, 9, 1)),
        message(3, 'ann', at(18, 9, 2)),
      ],
      [],
      { ...options, unreadAfterSeq: 1 },
    );
    expect(items.map((item) => item.key)).toEqual(['day-2025-5-18', 'm-1', 'm-2', 'unread', 'm-3']);
  });

  it('adds pending messages after the confirmed ones, without repeating a confirmed one', () => {
    const pendingEntry = (clientMsgId: string): PendingMessage => ({
      key: `o-${clientMsgId}`,
      clientMsgId,
      rejectedId: null,
      content: 'hello',
      replyToSeq: null,
      queuedAt: at(18, 9, 5),
      failed: false,
      error: null,
    });
    const items = buildTimeline(
      [message(1, 'me', at(18, 9))],
      [pendingEntry('client-1'), pendingEntry('new-one')],
      options,
    );
    expect(items.map((item) => item.key)).toEqual(['day-2025-5-18', 'm-1', 'o-new-one']);
    expect(items.at(-1)).toMatchObject({ continuesRun: true, endsRun: true });
    expect(items.at(-2)).toMatchObject({ endsRun: false });
  });
});
