import type { Message } from '@parley/protocol';
import type { Logger } from 'pino';
import { beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { ConversationNotFoundError, RateLimitedError } from '../../common/errors.js';
import type { ReadRateLimiters } from '../../rate-limit/rate-limit.module.js';
import type { RealtimePublisher } from '../../realtime/realtime-publisher.js';
import { Access } from '../access/access.js';
import type { AccessRepository } from '../access/access.repository.js';
import type { AppConfig } from '../../config/app-config.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { PresenceAudience } from '../privacy/presence-audience.js';
import type { MessagesRepository, SyncRow, WatermarkChange } from './messages.repository.js';
import { MessagesService } from './messages.service.js';
import { SendBatcher } from './send-batcher.js';
import type { UnreadRepository } from './unread.repository.js';
import type { WatermarkBatcher } from './watermark-batcher.js';

const conversationId = 'conversation-1';
const auth = { userId: 'caller', sessionId: 'session' };

const message = (seq: number, conversation = conversationId): Message => ({
  id: `message-${conversation}-${seq}`,
  conversationId: conversation,
  seq,
  senderId: 'caller',
  clientMsgId: `client-${seq}`,
  content: `message ${seq}`,
  type: 'text',
  createdAt: '2026-01-01T00:00:00.000Z',
  rev: seq,
  editedAt: null,
  deletedAt: null,
  replyToSeq: null,
  mentions: [],
  reactions: [],
  attachments: [],
});

const watermarkChange = (overrides: Partial<WatermarkChange> = {}): WatermarkChange => ({
  previousReadSeq: 2,
  previousDeliveredSeq: 2,
  lastReadSeq: 5,
  lastDeliveredSeq: 5,
  // One of 6..9 deleted, one of the others mentions the reader.
  counts: { unreadCount: 3, mentionCount: 1 },
  request: false,
  ...overrides,
});

const allowAll = () => ({ consume: vi.fn().mockResolvedValue({ allowed: true }) });

describe(MessagesService.name, () => {
  let sut: MessagesService;
  let messages: { [K in keyof MessagesRepository]: Mock };
  let findMemberships: Mock;
  let conversations: { requestAccepted: Mock };
  let watermarks: { advance: Mock };
  let unread: { afterDelete: Mock };
  let publisher: { toConversation: Mock; toUser: Mock; receiptUpdate: Mock };
  let presenceAudience: { contactGained: Mock };
  let readLimiters: { [K in keyof ReadRateLimiters]: { consume: Mock } };
  let logger: { warn: Mock };

  beforeEach(() => {
    messages = {
      send: vi.fn(),
      findByClientMsgId: vi.fn(),
      findBySeq: vi.fn(),
      page: vi.fn(),
      edit: vi.fn(),
      delete: vi.fn(),
      react: vi.fn(),
      advanceWatermarks: vi.fn(),
      readCounts: vi.fn(),
      messagesSince: vi.fn(),
    };
    findMemberships = vi.fn(
      async (_userId: string, ids: string[]) =>
        new Map([[ids[0], { role: 'member', type: 'group', request: false, lastSeq: 0 }]]),
    );
    conversations = { requestAccepted: vi.fn() };
    watermarks = { advance: vi.fn() };
    unread = { afterDelete: vi.fn().mockResolvedValue([]) };
    publisher = { toConversation: vi.fn(), toUser: vi.fn(), receiptUpdate: vi.fn() };
    presenceAudience = { contactGained: vi.fn() };
    readLimiters = {
      markRead: allowAll(),
      markDelivered: allowAll(),
      joinConversation: allowAll(),
      sync: allowAll(),
      restRead: allowAll(),
    };
    logger = { warn: vi.fn() };
    const repository = messages as unknown as MessagesRepository;
    const batching = { sendBatchMax: 10, sendBatchesInFlight: 1 } as AppConfig;
    sut = new MessagesService(
      repository,
      new SendBatcher(repository, batching, new MetricsService()),
      watermarks as unknown as WatermarkBatcher,
      unread as unknown as UnreadRepository,
      new Access({ findMemberships } as unknown as AccessRepository),
      conversations as unknown as ConversationsService,
      publisher as unknown as RealtimePublisher,
      presenceAudience as unknown as PresenceAudience,
      allowAll(),
      readLimiters,
      allowAll(),
      logger as unknown as Logger,
    );
  });

  describe('send', () => {
    const input = { conversationId, content: 'hello', clientMsgId: 'client-1' };

    it('broadcasts a new message to the conversation', async () => {
      messages.send.mockResolvedValue([{ kind: 'created', message: message(1), firstSend: false }]);

      await expect(sut.send(auth, input)).resolves.toEqual(message(1));

      expect(messages.send).toHaveBeenCalledWith([
        expect.objectContaining({ senderId: 'caller', ...input }),
      ]);
      expect(publisher.toConversation).toHaveBeenCalledWith(
        conversationId,
        'message:new',
        message(1),
      );
    });

    it('answers a duplicate with the stored message and broadcasts nothing', async () => {
      messages.send.mockResolvedValue([{ kind: 'duplicate', message: message(1) }]);

      await expect(sut.send(auth, input)).resolves.toEqual(message(1));
      expect(publisher.toConversation).not.toHaveBeenCalled();
    });

    it('tells a non-member the conversation does not exist', async () => {
      messages.send.mockResolvedValue([{ kind: 'not_member' }]);

      await expect(sut.send(auth, input)).rejects.toThrow(ConversationNotFoundError);
      expect(publisher.toConversation).not.toHaveBeenCalled();
    });

    it('answers a resend with references from a former member with the stored message', async () => {
      findMemberships.mockResolvedValue(new Map());
      messages.findByClientMsgId.mockResolvedValue(message(1));

      const resend = { ...input, mentions: ['bob'], replyToSeq: 1 };
      await expect(sut.send(auth, resend)).resolves.toEqual(message(1));
      expect(messages.findByClientMsgId).toHaveBeenCalledWith('caller', 'client-1');
      expect(messages.send).not.toHaveBeenCalled();
    });

    it('still tells a non-member with references and no stored message NOT_FOUND', async () => {
      findMemberships.mockResolvedValue(new Map());
      messages.findByClientMsgId.mockResolvedValue(undefined);

      await expect(sut.send(auth, { ...input, mentions: ['bob'] })).rejects.toThrow(
        ConversationNotFoundError,
      );
    });

    it('accepts the message request the sender had received', async () => {
      const acceptedRequest = { lastReadSeq: 3, lastDeliveredSeq: 3 };
      messages.send.mockResolvedValue([{ kind: 'created', message: message(3), acceptedRequest }]);

      await sut.send(auth, input);

      expect(conversations.requestAccepted).toHaveBeenCalledWith(
        auth,
        conversationId,
        acceptedRequest,
      );
      expect(presenceAudience.contactGained).not.toHaveBeenCalled();
    });

    it('makes the other member a contact on the sender’s first message', async () => {
      messages.send.mockResolvedValue([{ kind: 'created', message: message(1), firstSend: true }]);

      await sut.send(auth, input);

      expect(presenceAudience.contactGained).toHaveBeenCalledWith('caller', conversationId);
    });
  });

  describe('history', () => {
    it('tells a non-member the conversation does not exist, reading nothing', async () => {
      findMemberships.mockResolvedValue(new Map());

      await expect(sut.history(auth, conversationId, { limit: 2 })).rejects.toThrow(
        ConversationNotFoundError,
      );
      expect(messages.page).not.toHaveBeenCalled();
    });

    it('asks for one more than the limit and answers hasMore false when it is not there', async () => {
      messages.page.mockResolvedValue([message(1), message(2)]);

      const page = await sut.history(auth, conversationId, { limit: 2 });

      expect(messages.page).toHaveBeenCalledWith(conversationId, { limit: 2 }, 3);
      expect(page).toEqual({ messages: [message(1), message(2)], hasMore: false });
    });

    it('paging back, drops the oldest extra message', async () => {
      messages.page.mockResolvedValue([message(4), message(5), message(6)]);

      const page = await sut.history(auth, conversationId, { limit: 2, before: 7 });

      expect(page).toEqual({ messages: [message(5), message(6)], hasMore: true });
    });

    it('paging forward, drops the newest extra message', async () => {
      messages.page.mockResolvedValue([message(4), message(5), message(6)]);

      const page = await sut.history(auth, conversationId, { limit: 2, after: 3 });

      expect(page).toEqual({ messages: [message(4), message(5)], hasMore: true });
    });
  });

  describe('delete: the counts it changed', () => {
    const tombstone = { ...message(6), deletedAt: '2026-01-01T00:01:00.000Z', content: '' };
    const deletes = () => sut.delete(auth, { conversationId, seq: 6 });

    it('tells each member who had not read the message their exact counts, in their room', async () => {
      messages.delete.mockResolvedValue({
        kind: 'changed',
        message: tombstone,
        previous: message(6),
      });
      unread.afterDelete.mockResolvedValue([
        { userId: 'bob', lastReadSeq: 2, unreadCount: 3, mentionCount: 0 },
        { userId: 'carol', lastReadSeq: 5, unreadCount: 0, mentionCount: 1 },
      ]);

      await deletes();

      expect(unread.afterDelete).toHaveBeenCalledWith(conversationId, 6, tombstone.senderId);
      expect(publisher.toUser.mock.calls).toEqual([
        [
          { userId: 'bob' },
          'unread:update',
          { conversationId, lastReadSeq: 2, unreadCount: 3, mentionCount: 0 },
        ],
        [
          { userId: 'carol' },
          'unread:update',
          { conversationId, lastReadSeq: 5, unreadCount: 0, mentionCount: 1 },
        ],
      ]);
    });

    it('answers the committed tombstone when the counts cannot be read, logging no text', async () => {
      messages.delete.mockResolvedValue({
        kind: 'changed',
        message: tombstone,
        previous: message(6),
      });
      unread.afterDelete.mockRejectedValue(new Error('connection lost'));

      await expect(deletes()).resolves.toMatchObject({ message: tombstone, changed: true });

      expect(publisher.toConversation).toHaveBeenCalledWith(
        conversationId,
        'message:updated',
        tombstone,
      );
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(JSON.stringify(logger.warn.mock.calls)).not.toContain('message 6');
    });

    it('reads no counts for a delete that changed nothing', async () => {
      messages.delete.mockResolvedValue({ kind: 'unchanged', message: tombstone });

      await expect(deletes()).resolves.toMatchObject({ message: tombstone, changed: false });

      expect(unread.afterDelete).not.toHaveBeenCalled();
      expect(publisher.toUser).not.toHaveBeenCalled();
    });

    it('tells nobody when every member had read the message', async () => {
      messages.delete.mockResolvedValue({
        kind: 'changed',
        message: tombstone,
        previous: message(6),
      });
      unread.afterDelete.mockResolvedValue([]);

      await deletes();

      expect(publisher.toUser).not.toHaveBeenCalled();
    });
  });

  describe('edit: the mention counts it changed', () => {
    const mentioning = (...mentions: string[]) => ({ ...message(6), mentions });
    const edits = (mentions: string[]) =>
      sut.edit(auth, { conversationId, seq: 6, content: 'edited', mentions });
    const counts = (userId: string) => ({
      userId,
      lastReadSeq: 2,
      unreadCount: 4,
      mentionCount: 1,
    });

    it('tells the mentioned and unmentioned members who had not read it, no one else', async () => {
      messages.edit.mockResolvedValue({
        kind: 'changed',
        message: mentioning('bob', 'dave'),
        previous: mentioning('carol', 'dave'),
      });
      unread.afterDelete.mockResolvedValue([counts('bob'), counts('carol'), counts('dave')]);

      await edits(['bob', 'dave']);

      expect(unread.afterDelete).toHaveBeenCalledWith(conversationId, 6, 'caller');
      expect(publisher.toUser.mock.calls.map(([user]) => user.userId).sort()).toEqual([
        'bob',
        'carol',
      ]);
      expect(publisher.toUser).toHaveBeenCalledWith({ userId: 'bob' }, 'unread:update', {
        conversationId,
        lastReadSeq: 2,
        unreadCount: 4,
        mentionCount: 1,
      });
    });

    it('reads no counts when the mentions stayed', async () => {
      messages.edit.mockResolvedValue({
        kind: 'changed',
        message: mentioning('bob'),
        previous: mentioning('bob'),
      });

      await edits(['bob']);

      expect(unread.afterDelete).not.toHaveBeenCalled();
    });

    it('drops the editor from the mentions and checks membership in the edit statement', async () => {
      messages.edit.mockResolvedValue({ kind: 'bad_mentions', message: message(6) });

      await expect(edits(['caller', 'eve'])).rejects.toMatchObject({ kind: 'VALIDATION' });
      expect(messages.edit).toHaveBeenCalledWith(expect.objectContaining({ mentions: ['eve'] }));
      expect(findMemberships).not.toHaveBeenCalled();
    });
  });

  describe('markRead', () => {
    it('answers the read watermark and the exact counts the watermark statement took', async () => {
      watermarks.advance.mockResolvedValue(watermarkChange());

      await expect(sut.markRead(auth, conversationId, 5)).resolves.toEqual({
        lastReadSeq: 5,
        unreadCount: 3,
        mentionCount: 1,
      });
      expect(watermarks.advance).toHaveBeenCalledWith({
        conversationId,
        userId: 'caller',
        readSeq: 5,
        deliveredSeq: 5,
        read: true,
      });
    });

    it('tells the room the receipts and the reader’s other sockets the unread count', async () => {
      watermarks.advance.mockResolvedValue(watermarkChange());

      await sut.markRead(auth, conversationId, 5, 'socket-1');

      expect(publisher.receiptUpdate).toHaveBeenCalledWith({
        conversationId,
        userId: 'caller',
        deliveredSeq: 5,
        readSeq: 5,
      });
      expect(publisher.toUser).toHaveBeenCalledWith(
        { userId: 'caller', exceptSocketId: 'socket-1' },
        'unread:update',
        { conversationId, lastReadSeq: 5, unreadCount: 3, mentionCount: 1 },
      );
    });

    it('tells nobody when the watermarks did not move', async () => {
      watermarks.advance.mockResolvedValue(
        watermarkChange({ previousReadSeq: 5, previousDeliveredSeq: 5 }),
      );

      await sut.markRead(auth, conversationId, 3);

      expect(publisher.receiptUpdate).not.toHaveBeenCalled();
      expect(publisher.toUser).not.toHaveBeenCalled();
    });

    it('keeps the receipts of a pending message request from its opener', async () => {
      watermarks.advance.mockResolvedValue(watermarkChange({ request: true }));

      await sut.markRead(auth, conversationId, 5);

      expect(publisher.receiptUpdate).not.toHaveBeenCalled();
      expect(publisher.toUser).toHaveBeenCalledWith(
        expect.objectContaining({ userId: 'caller' }),
        'unread:update',
        expect.anything(),
      );
    });

    it('tells a non-member the conversation does not exist', async () => {
      watermarks.advance.mockResolvedValue(undefined);

      await expect(sut.markRead(auth, conversationId, 5)).rejects.toThrow(
        ConversationNotFoundError,
      );
    });

    it('refuses before any write once the caller’s read bucket is empty', async () => {
      readLimiters.markRead.consume.mockResolvedValue({ allowed: false, retryAfterMs: 100 });

      await expect(sut.markRead(auth, conversationId, 5)).rejects.toThrow(RateLimitedError);
      expect(readLimiters.markRead.consume).toHaveBeenCalledWith('caller');
      expect(watermarks.advance).not.toHaveBeenCalled();
    });
  });

  describe('markDelivered', () => {
    it('moves only the delivered watermark', async () => {
      watermarks.advance.mockResolvedValue(watermarkChange({ lastReadSeq: 2 }));

      await sut.markDelivered(auth, conversationId, 5);

      expect(watermarks.advance).toHaveBeenCalledWith({
        conversationId,
        userId: 'caller',
        readSeq: 0,
        deliveredSeq: 5,
        read: false,
      });
      expect(publisher.toUser).not.toHaveBeenCalled();
    });
  });

  describe('sync', () => {
    const row = (conversation: string, seq?: number): SyncRow => ({
      conversationId: conversation,
      cursorSeq: null,
      updated: false,
      message: seq === undefined ? null : message(seq, conversation),
    });

    it('asks once per conversation, with the lower cursor of one listed twice', async () => {
      messages.messagesSince.mockResolvedValue([]);

      await sut.sync(auth, {
        cursors: [
          { conversationId: 'a', seq: 9 },
          { conversationId: 'b', seq: 1 },
          { conversationId: 'a', seq: 4 },
          { conversationId: 'a', seq: 6 },
        ],
        limit: 10,
      });

      expect(messages.messagesSince).toHaveBeenCalledWith(
        'caller',
        [
          { conversationId: 'a', seq: 4 },
          { conversationId: 'b', seq: 1 },
        ],
        10,
      );
    });

    it('groups messages by conversation and marks hasMore past the limit', async () => {
      messages.messagesSince.mockResolvedValue([
        row('a', 5),
        row('a', 6),
        row('a', 7),
        row('b', 2),
        row('c'),
      ]);

      const result = await sut.sync(auth, { cursors: [], limit: 2 });

      const noUpdates = { updated: [], hasMoreUpdated: false };
      expect(result.conversations).toEqual([
        {
          conversationId: 'a',
          messages: [message(5, 'a'), message(6, 'a')],
          hasMore: true,
          ...noUpdates,
        },
        { conversationId: 'b', messages: [message(2, 'b')], hasMore: false, ...noUpdates },
        { conversationId: 'c', messages: [], hasMore: false, ...noUpdates },
      ]);
      expect(result.removed).toEqual([]);
    });

    it('puts changed messages in updated, apart from new ones, each part within the limit', async () => {
      const changed = (seq: number): SyncRow => ({ ...row('a', seq), updated: true });
      messages.messagesSince.mockResolvedValue([row('a', 5), changed(2), changed(1), changed(3)]);

      const result = await sut.sync(auth, {
        cursors: [
          { conversationId: 'a', seq: 4, rev: 9 },
          { conversationId: 'a', seq: 6 },
        ],
        limit: 2,
      });

      expect(messages.messagesSince).toHaveBeenCalledWith(
        'caller',
        [{ conversationId: 'a', seq: 4, rev: 9 }],
        2,
      );
      expect(result.conversations).toEqual([
        {
          conversationId: 'a',
          messages: [message(5, 'a')],
          hasMore: false,
          updated: [message(2, 'a'), message(1, 'a')],
          hasMoreUpdated: true,
        },
      ]);
    });

    it('reports the listed conversations the caller no longer belongs to as removed', async () => {
      messages.messagesSince.mockResolvedValue([row('a')]);

      const result = await sut.sync(auth, {
        cursors: [
          { conversationId: 'a', seq: 1 },
          { conversationId: 'gone', seq: 3 },
        ],
        limit: 5,
      });

      expect(result.removed).toEqual(['gone']);
    });
  });
});
