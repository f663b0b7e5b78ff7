import type { Conversation, ConversationMember, Message } from '@parley/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  applyConversationUpdate,
  applyMessage,
  conversationsCache,
  mergeConversation,
  resetConversationsCache,
  sortByActivity,
  upsertConversations,
  withMessage,
  withMessageChange,
  withRead,
  withReceipt,
} from './conversations-cache';

function conversation(overrides: Partial<Conversation> = {}): Conversation {
  return {
    id: 'c1',
    type: 'direct',
    name: null,
    members: [],
    lastMessage: null,
    lastSeq: 0,
    lastRev: 0,
    unreadCount: 0,
    mentionCount: 0,
    lastReadSeq: 0,
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:00:00.000Z',
    ...overrides,
  };
}

function message(seq: number, senderId: string, createdAt = `2025-01-01T11:0${seq}:00.000Z`) {
  return {
    id: `m${seq}`,
    conversationId: 'c1',
    seq,
    senderId,
    clientMsgId: `x${seq}`,
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
  } satisfies Message;
}

describe('withMessage', () => {
  it('counts a message from someone else as unread and makes it the preview', () => {
    const sut = withMessage(conversation(), message(1, 'ann'), 'me');
    expect(sut).toMatchObject({ lastSeq: 1, unreadCount: 1, lastReadSeq: 0 });
    expect(sut.lastMessage?.seq).toBe(1);
    expect(sut.updatedAt).toBe('2025-01-01T11:01:00.000Z');
  });

  it('counts our own message as read', () => {
    const sut = withMessage(conversation({ lastSeq: 2, lastReadSeq: 0 }), message(3, 'me'), 'me');
    expect(sut).toMatchObject({ lastSeq: 3, lastReadSeq: 3, unreadCount: 0 });
  });

  it('is idempotent: a message counted by the REST page is not counted again by sync', () => {
    const fromRest = conversation({
      lastSeq: 2,
      unreadCount: 2,
      lastMessage: message(2, 'ann'),
    });
    const sut = withMessage(
      withMessage(fromRest, message(1, 'ann'), 'me'),
      message(2, 'ann'),
      'me',
    );
    expect(sut).toMatchObject({ lastSeq: 2, unreadCount: 2 });
    expect(sut.lastMessage?.seq).toBe(2);
  });

  it('counts a new message that mentions us, once', () => {
    const mentioning = { ...message(1, 'ann'), mentions: ['me'] };
    const once = withMessage(conversation(), mentioning, 'me');
    expect(once.mentionCount).toBe(1);
    expect(withMessage(once, mentioning, 'me').mentionCount).toBe(1);
    expect(
      withMessage(conversation(), { ...message(1, 'ann'), mentions: ['bob'] }, 'me'),
    ).toMatchObject({
      mentionCount: 0,
    });
  });

  it('clears the mentions when we write: we have read everything before it', () => {
    const sut = withMessage(conversation({ lastSeq: 1, mentionCount: 1 }), message(2, 'me'), 'me');
    expect(sut.mentionCount).toBe(0);
  });
});

describe('withMessageChange', () => {
  it('shows the new state of the last message in the preview, never an older one', () => {
    const known = conversation({ lastSeq: 2, lastMessage: message(2, 'ann') });
    const deleted = {
      ...message(2, 'ann'),
      rev: 9,
      content: '',
      deletedAt: '2025-01-01T12:00:00.000Z',
    };
    const sut = withMessageChange(known, deleted);
    expect(sut.lastMessage).toEqual(deleted);
    expect(withMessageChange(sut, message(2, 'ann'))).toBe(sut);
    expect(withMessageChange(known, { ...message(1, 'ann'), rev: 10 })).toBe(known);
  });
});

function member(userId: string, lastDeliveredSeq: number, lastReadSeq: number): ConversationMember {
  return {
    userId,
    username: userId,
    displayName: userId,
    role: 'member',
    lastDeliveredSeq,
    lastReadSeq,
  };
}

describe('withReceipt', () => {
  it("moves the member's watermarks forward; reading counts as receiving", () => {
    const sut = withReceipt(conversation({ members: [member('me', 4, 4), member('ann', 2, 1)] }), {
      conversationId: 'c1',
      userId: 'ann',
      deliveredSeq: 3,
      readSeq: 4,
    });
    expect(sut.members).toEqual([member('me', 4, 4), member('ann', 4, 4)]);
  });

  it('returns the same conversation for a receipt behind what is known', () => {
    const known = conversation({ members: [member('ann', 5, 3)] });
    const sut = withReceipt(known, {
      conversationId: 'c1',
      userId: 'ann',
      deliveredSeq: 4,
      readSeq: 2,
    });
    expect(sut).toBe(known);
  });
});

describe('withRead', () => {
  it("takes the server's exact count when a deleted message stops counting", () => {
    const known = conversation({ lastSeq: 4, lastReadSeq: 2, unreadCount: 2, mentionCount: 1 });
    expect(withRead(known, 2, 1, 0)).toMatchObject({ lastSeq: 4, unreadCount: 1, mentionCount: 0 });
    // Counts for a watermark behind ours are stale.
    expect(withRead(known, 1, 3, 1)).toMatchObject({ lastReadSeq: 2, unreadCount: 2 });
  });

  it("takes the server's mention count, and none once read to the end", () => {
    const known = conversation({ lastSeq: 5, lastReadSeq: 1, unreadCount: 4, mentionCount: 2 });
    expect(withRead(known, 3, 2, 1)).toMatchObject({ unreadCount: 2, mentionCount: 1 });
    expect(withRead(known, 5)).toMatchObject({ unreadCount: 0, mentionCount: 0 });
  });

  it('never moves the watermark back', () => {
    const sut = withRead(conversation({ lastSeq: 5, lastReadSeq: 4, unreadCount: 1 }), 2);
    expect(sut).toMatchObject({ lastReadSeq: 4, unreadCount: 1 });
  });

  it('believes the server about messages this device has not received yet', () => {
    const sut = withRead(conversation({ lastSeq: 5, lastReadSeq: 0, unreadCount: 5 }), 5, 2);
    expect(sut).toMatchObject({ lastSeq: 7, lastReadSeq: 5, unreadCount: 2 });
  });
});

describe('mergeConversation', () => {
  it("takes the counts of a page that is as new as what we hold: the server's are exact", () => {
    const live = conversation({ lastSeq: 6, lastReadSeq: 2, unreadCount: 4, mentionCount: 1 });
    const page = conversation({ lastSeq: 6, lastReadSeq: 2, unreadCount: 3, mentionCount: 0 });
    expect(mergeConversation(live, page)).toMatchObject({ unreadCount: 3, mentionCount: 0 });
    const stale = conversation({ lastSeq: 5, lastReadSeq: 2, unreadCount: 3, mentionCount: 0 });
    expect(mergeConversation(live, stale)).toMatchObject({ unreadCount: 4, mentionCount: 1 });
  });

  it('takes names and members from the newer view and seqs by maximum', () => {
    const live = conversation({ lastSeq: 6, lastReadSeq: 6, lastMessage: message(6, 'me') });
    const stalePage = conversation({
      name: 'Renamed',
      lastSeq: 4,
      lastReadSeq: 2,
      lastMessage: message(4, 'ann'),
    });
    const sut = mergeConversation(live, stalePage);
    expect(sut).toMatchObject({ name: 'Renamed', lastSeq: 6, lastReadSeq: 6, unreadCount: 0 });
    expect(sut.lastMessage?.seq).toBe(6);
  });
});

describe('mergeConversation and watermarks', () => {
  it("keeps each member's higher watermarks when a stale page comes in", () => {
    const live = conversation({ members: [member('ann', 6, 5)] });
    const stalePage = conversation({ members: [member('ann', 4, 4), member('ben', 2, 1)] });
    expect(mergeConversation(live, stalePage).members).toEqual([
      member('ann', 6, 5),
      member('ben', 2, 1),
    ]);
  });
});

describe('sortByActivity', () => {
  it('puts the conversation with the newest message first', () => {
    const quiet = conversation({ id: 'quiet', updatedAt: '2025-01-02T00:00:00.000Z' });
    const busy = withMessage(
      conversation({ id: 'busy' }),
      message(1, 'ann', '2025-01-03T00:00:00.000Z'),
      'me',
    );
    expect(sortByActivity([quiet, busy]).map((each) => each.id)).toEqual(['busy', 'quiet']);
  });
});

describe('applyConversationUpdate', () => {
  beforeEach(resetConversationsCache);

  const shared = (overrides: Partial<Conversation>) => {
    const { unreadCount: _unread, lastReadSeq: _read, ...rest } = conversation(overrides);
    return rest;
  };

  it('keeps our own read state when a rename comes in the shared form', () => {
    upsertConversations([
      conversation({ type: 'group', lastSeq: 5, lastReadSeq: 2, unreadCount: 3 }),
    ]);

    const applied = applyConversationUpdate(
      shared({ type: 'group', name: 'Renamed', lastSeq: 5, updatedAt: '2025-01-01T12:00:00.000Z' }),
    );

    expect(applied).toBe(true);
    expect(conversationsCache.get().byId.c1).toMatchObject({
      name: 'Renamed',
      lastSeq: 5,
      lastReadSeq: 2,
      unreadCount: 3,
      updatedAt: '2025-01-01T12:00:00.000Z',
    });
  });

  it('still counts a message the shared form announced before the message arrived', () => {
    upsertConversations([conversation({ type: 'group', lastSeq: 5, lastReadSeq: 5 })]);
    applyConversationUpdate(shared({ type: 'group', name: 'Renamed', lastSeq: 6 }));
    applyMessage(message(6, 'ann'), 'me');
    expect(conversationsCache.get().byId.c1).toMatchObject({ lastSeq: 6, unreadCount: 1 });
  });

  it('takes the whole form of a conversation we were just added to', () => {
    const added = conversation({ id: 'c2', type: 'group', lastSeq: 9, lastReadSeq: 9 });

    expect(applyConversationUpdate(added)).toBe(true);
    expect(conversationsCache.get().byId.c2).toEqual(added);
  });

  it('leaves the shared form of an unknown conversation to a fetch', () => {
    expect(applyConversationUpdate(shared({ id: 'c3' }))).toBe(false);
    expect(conversationsCache.get().byId.c3).toBeUndefined();
  });
});

describe('mergeConversation and message requests', () => {
  it('keeps the request flag when an update sent to the whole room leaves it out', () => {
    const { request: _left, ...roomUpdate } = conversation({ name: 'renamed' });
    const sut = mergeConversation(conversation({ request: true }), roomUpdate);
    expect(sut).toMatchObject({ request: true, name: 'renamed' });
  });

  it('takes the flag of an update that carries it: an accepted request is no longer one', () => {
    const sut = mergeConversation(
      conversation({ request: true }),
      conversation({ request: false }),
    );
    expect(sut.request).toBe(false);
  });
});
