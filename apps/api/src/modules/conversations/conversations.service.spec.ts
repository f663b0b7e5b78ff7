import type { ConversationMember } from '@parley/protocol';
import { beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import {
  ConflictError,
  ConversationNotFoundError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
} from '../../common/errors.js';
import type { AppConfig } from '../../config/app-config.js';
import type { PresenceNotifier } from '../../realtime/presence-notifier.js';
import type { RealtimePublisher } from '../../realtime/realtime-publisher.js';
import { Access } from '../access/access.js';
import type { AccessRepository, Membership } from '../access/access.repository.js';
import type { PrivacyService } from '../privacy/privacy.service.js';
import type { ConversationViewRow } from './conversation-view.js';
import type { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';

const conversationId = 'conversation-1';
const auth = { userId: 'caller', sessionId: 'session' };
const MAX_GROUP_MEMBERS = 5;

type Mocked<T> = { [K in keyof T]: Mock };

const member = (userId: string, lastReadSeq = 0): ConversationMember => ({
  userId,
  username: userId,
  displayName: userId,
  role: 'member',
  lastReadSeq,
  lastDeliveredSeq: lastReadSeq,
});

const viewRow = (overrides: Partial<ConversationViewRow> = {}): ConversationViewRow => ({
  id: conversationId,
  type: 'group',
  name: 'Team',
  last_seq: 7,
  last_rev: 7,
  last_read_seq: 4,
  unread_count: 2,
  mention_count: 1,
  request_state: null,
  created_at: '2026-01-01 10:00:00+00',
  updated_at: new Date('2026-01-02T10:00:00.000Z'),
  members: [member('caller', 4)],
  last_message: null,
  ...overrides,
});

describe(ConversationsService.name, () => {
  let sut: ConversationsService;
  let conversations: Mocked<
    Pick<
      ConversationsRepository,
      | 'findView'
      | 'findViewOfAnyMember'
      | 'listViews'
      | 'rename'
      | 'addMember'
      | 'removeMember'
      | 'findExistingUserIds'
    >
  >;
  let findMemberships: Mock;
  let publisher: Mocked<
    Pick<
      RealtimePublisher,
      | 'toConversation'
      | 'toConversationExcept'
      | 'toUser'
      | 'toUsers'
      | 'joinConversation'
      | 'leaveConversation'
    >
  >;
  let groupChangeLimiter: { consume: Mock };
  let privacy: { requireMayAddToGroups: Mock };

  /** Each user's membership in the conversation; users left out are no members. */
  const givenMembers = (memberships: Record<string, Partial<Membership>>) => {
    findMemberships.mockImplementation(async (userId: string, ids: string[]) => {
      const membership = memberships[userId];
      return new Map(
        membership
          ? [[ids[0], { role: 'member', type: 'group', request: false, ...membership }]]
          : [],
      );
    });
  };

  beforeEach(() => {
    conversations = {
      findView: vi.fn().mockResolvedValue(viewRow()),
      findViewOfAnyMember: vi.fn().mockResolvedValue(viewRow()),
      listViews: vi.fn(),
      rename: vi.fn(),
      addMember: vi.fn().mockResolvedValue('added'),
      removeMember: vi.fn(),
      findExistingUserIds: vi.fn(async (ids: string[]) => ids),
    };
    findMemberships = vi.fn();
    publisher = {
      toConversation: vi.fn(),
      toConversationExcept: vi.fn(),
      toUser: vi.fn(),
      toUsers: vi.fn(),
      joinConversation: vi.fn(),
      leaveConversation: vi.fn(),
    };
    const presenceNotifier = { introduceMembers: vi.fn() };
    const allowAll = () => ({ consume: vi.fn().mockResolvedValue({ allowed: true }) });
    groupChangeLimiter = allowAll();
    privacy = { requireMayAddToGroups: vi.fn() };
    sut = new ConversationsService(
      conversations as unknown as ConversationsRepository,
      new Access({ findMemberships } as unknown as AccessRepository),
      publisher as unknown as RealtimePublisher,
      { maxGroupMembers: MAX_GROUP_MEMBERS } as AppConfig,
      allowAll(),
      groupChangeLimiter,
      presenceNotifier as unknown as PresenceNotifier,
      privacy as unknown as PrivacyService,
    );
  });

  describe('list', () => {
    it('asks for one row more than the page and answers a cursor when there is more', async () => {
      const rows = ['a', 'b', 'c'].map((id) => viewRow({ id }));
      conversations.listViews.mockResolvedValue(rows);
      const before = { updatedAt: '2026-01-03T00:00:00.000Z', id: 'z' };

      const page = await sut.list(auth, { limit: 2, before, requests: false });

      expect(conversations.listViews).toHaveBeenCalledWith('caller', 3, {
        before,
        requests: false,
      });
      expect(page.conversations.map((conversation) => conversation.id)).toEqual(['a', 'b']);
      expect(page.nextCursor).toBe('2026-01-02T10:00:00.000Z|b');
    });

    it('answers no cursor on the last page', async () => {
      conversations.listViews.mockResolvedValue([viewRow()]);

      const page = await sut.list(auth, { limit: 2, requests: true });

      expect(page.nextCursor).toBeNull();
      expect(page.conversations).toEqual([
        expect.objectContaining({
          lastSeq: 7,
          lastReadSeq: 4,
          // The view statement's exact counts, not lastSeq - lastReadSeq.
          unreadCount: 2,
          mentionCount: 1,
          createdAt: '2026-01-01T10:00:00.000Z',
        }),
      ]);
    });
  });

  describe('get', () => {
    it('tells a caller who cannot see the conversation that it does not exist', async () => {
      conversations.findView.mockResolvedValue(undefined);

      await expect(sut.get(auth, conversationId)).rejects.toThrow(ConversationNotFoundError);
      expect(conversations.findView).toHaveBeenCalledWith(conversationId, 'caller');
    });
  });

  describe('rename', () => {
    it.each(['owner', 'admin'] as const)(
      'lets an %s rename the group for everyone',
      async (role) => {
        givenMembers({ caller: { role } });

        const conversation = await sut.rename(auth, conversationId, 'New name');

        expect(conversations.rename).toHaveBeenCalledWith(conversationId, 'New name');
        expect(conversation.id).toBe(conversationId);
        const [, event, shared] = publisher.toConversation.mock.calls[0]!;
        expect(event).toBe('conversation:updated');
        expect(shared).not.toHaveProperty('unreadCount');
      },
    );

    it('refuses a plain member', async () => {
      givenMembers({ caller: { role: 'member' } });

      await expect(sut.rename(auth, conversationId, 'x')).rejects.toThrow(ForbiddenError);
      expect(conversations.rename).not.toHaveBeenCalled();
    });

    it('refuses to rename a direct conversation', async () => {
      givenMembers({ caller: { role: 'member', type: 'direct' } });

      await expect(sut.rename(auth, conversationId, 'x')).rejects.toThrow(
        'only groups can be changed',
      );
    });

    it('tells a non-member the conversation does not exist', async () => {
      givenMembers({});

      await expect(sut.rename(auth, conversationId, 'x')).rejects.toThrow(
        ConversationNotFoundError,
      );
      expect(conversations.rename).not.toHaveBeenCalled();
    });

    it('counts against the caller’s group change bucket before anything else', async () => {
      groupChangeLimiter.consume.mockResolvedValue({ allowed: false, retryAfterMs: 500 });

      await expect(sut.rename(auth, conversationId, 'x')).rejects.toThrow(RateLimitedError);
      expect(groupChangeLimiter.consume).toHaveBeenCalledWith('caller');
      expect(findMemberships).not.toHaveBeenCalled();
    });
  });

  describe('addMember', () => {
    it('lets an admin add someone, within the group cap and the newcomer’s privacy', async () => {
      givenMembers({ caller: { role: 'admin' } });

      await sut.addMember(auth, conversationId, { userId: 'newcomer', role: 'member' });

      expect(privacy.requireMayAddToGroups).toHaveBeenCalledWith(auth, ['newcomer']);
      expect(conversations.addMember).toHaveBeenCalledWith(
        conversationId,
        'newcomer',
        'member',
        MAX_GROUP_MEMBERS,
      );
      expect(publisher.joinConversation).toHaveBeenCalledWith(['newcomer'], conversationId);
    });

    it('sends the newcomer the conversation as read with their own watermark', async () => {
      givenMembers({ caller: { role: 'admin' } });
      conversations.findView.mockImplementation(async (_id: string, viewerId: string) =>
        viewerId === 'newcomer'
          ? viewRow({ last_read_seq: 7, unread_count: 0, mention_count: 0 })
          : viewRow(),
      );

      await sut.addMember(auth, conversationId, { userId: 'newcomer', role: 'member' });

      expect(conversations.findView).toHaveBeenCalledWith(conversationId, 'newcomer');
      expect(publisher.toUser).toHaveBeenCalledWith(
        { userId: 'newcomer' },
        'conversation:updated',
        expect.objectContaining({ lastReadSeq: 7, unreadCount: 0, mentionCount: 0 }),
      );
    });

    it('refuses a plain member', async () => {
      givenMembers({ caller: { role: 'member' } });

      await expect(
        sut.addMember(auth, conversationId, { userId: 'newcomer', role: 'member' }),
      ).rejects.toThrow(ForbiddenError);
      expect(conversations.addMember).not.toHaveBeenCalled();
    });

    it('answers NOT_FOUND for an unknown user', async () => {
      givenMembers({ caller: { role: 'owner' } });
      conversations.findExistingUserIds.mockResolvedValue([]);

      await expect(
        sut.addMember(auth, conversationId, { userId: 'ghost', role: 'member' }),
      ).rejects.toThrow(new NotFoundError('user not found: ghost'));
      expect(conversations.addMember).not.toHaveBeenCalled();
    });

    it.each([
      ['member', 'user is already a member'],
      ['full', `the group is full: it has ${MAX_GROUP_MEMBERS} members already`],
    ] as const)('answers CONFLICT when the user is %s', async (outcome, message) => {
      givenMembers({ caller: { role: 'owner' } });
      conversations.addMember.mockResolvedValue(outcome);

      await expect(
        sut.addMember(auth, conversationId, { userId: 'newcomer', role: 'admin' }),
      ).rejects.toThrow(new ConflictError(message));
      expect(publisher.joinConversation).not.toHaveBeenCalled();
    });
  });

  describe('removeMember', () => {
    const removes = (userId: string) => sut.removeMember(auth, conversationId, userId);

    it.each([
      ['owner', 'admin'],
      ['owner', 'owner'],
      ['owner', 'member'],
      ['admin', 'member'],
    ] as const)('lets an %s remove an %s', async (callerRole, targetRole) => {
      givenMembers({ caller: { role: callerRole }, target: { role: targetRole } });

      await removes('target');

      expect(conversations.removeMember).toHaveBeenCalledWith(conversationId, 'target');
      expect(publisher.leaveConversation).toHaveBeenCalledWith('target', conversationId);
      expect(publisher.toUser).toHaveBeenCalledWith({ userId: 'target' }, 'conversation:removed', {
        conversationId,
      });
    });

    it.each([
      ['admin', 'admin', 'an admin cannot remove an owner or another admin'],
      ['admin', 'owner', 'an admin cannot remove an owner or another admin'],
      ['member', 'member', 'only an owner or admin can remove members'],
      ['member', 'owner', 'only an owner or admin can remove members'],
    ] as const)('refuses an %s removing an %s', async (callerRole, targetRole, message) => {
      givenMembers({ caller: { role: callerRole }, target: { role: targetRole } });

      await expect(removes('target')).rejects.toThrow(new ForbiddenError(message));
      expect(conversations.removeMember).not.toHaveBeenCalled();
    });

    it.each(['owner', 'admin', 'member'] as const)('lets an %s leave', async (role) => {
      givenMembers({ caller: { role } });

      await removes('caller');

      expect(conversations.removeMember).toHaveBeenCalledWith(conversationId, 'caller');
    });

    it('removes nobody from a direct conversation, not even the caller', async () => {
      givenMembers({ caller: { type: 'direct' }, target: { type: 'direct' } });

      await expect(removes('caller')).rejects.toThrow(ForbiddenError);
      await expect(removes('target')).rejects.toThrow(ForbiddenError);
      expect(conversations.removeMember).not.toHaveBeenCalled();
    });

    it('answers NOT_FOUND for a target who is no member', async () => {
      givenMembers({ caller: { role: 'owner' } });

      await expect(removes('stranger')).rejects.toThrow(new NotFoundError('user is not a member'));
    });

    it('tells a non-member the conversation does not exist', async () => {
      givenMembers({ target: { role: 'member' } });

      await expect(removes('target')).rejects.toThrow(ConversationNotFoundError);
      expect(conversations.removeMember).not.toHaveBeenCalled();
    });

    it('tells the rest of the room, except the removed user, in the shared form', async () => {
      givenMembers({ caller: { role: 'owner' }, target: { role: 'member' } });

      await removes('target');

      expect(publisher.toConversationExcept).toHaveBeenCalledWith(
        conversationId,
        ['target'],
        'conversation:updated',
        expect.not.objectContaining({ unreadCount: expect.anything() }),
      );
    });

    it('tells nobody else when the last member left', async () => {
      givenMembers({ caller: { role: 'owner' } });
      conversations.findViewOfAnyMember.mockResolvedValue(undefined);

      await removes('caller');

      expect(publisher.toConversationExcept).not.toHaveBeenCalled();
    });
  });
});
