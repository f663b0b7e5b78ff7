import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationNotFoundError, ForbiddenError } from '../../common/errors.js';
import { Access } from './access.js';
import type { AccessRepository, Membership } from './access.repository.js';

const auth = { userId: 'caller', sessionId: 'session' };
const conversationId = 'conversation-1';

const groupMember = (role: Membership['role']): Membership => ({
  role,
  type: 'group',
  request: false,
  lastSeq: 0,
});

describe(Access.name, () => {
  let sut: Access;
  let findMemberships: ReturnType<typeof vi.fn>;

  /** The caller's memberships, by conversation id. */
  const givenMemberships = (memberships: Record<string, Membership>) => {
    findMemberships.mockImplementation(async (_userId: string, ids: string[]) => {
      return new Map(ids.flatMap((id) => (memberships[id] ? [[id, memberships[id]]] : [])));
    });
  };

  beforeEach(() => {
    findMemberships = vi.fn();
    sut = new Access({ findMemberships } as unknown as AccessRepository);
  });

  describe('requireMember', () => {
    it('answers the caller’s membership', async () => {
      const membership: Membership = { role: 'member', type: 'direct', request: true, lastSeq: 0 };
      givenMemberships({ [conversationId]: membership });

      await expect(sut.requireMember(auth, conversationId)).resolves.toEqual(membership);
      expect(findMemberships).toHaveBeenCalledWith('caller', [conversationId]);
    });

    it('tells a non-member the conversation does not exist', async () => {
      givenMemberships({});

      await expect(sut.requireMember(auth, conversationId)).rejects.toThrow(
        ConversationNotFoundError,
      );
    });
  });

  describe('checkMember', () => {
    it('answers the ids the caller belongs to, asking once for each distinct id', async () => {
      givenMemberships({ a: groupMember('member'), c: groupMember('owner') });

      await expect(sut.checkMember(auth, ['a', 'b', 'c', 'a'])).resolves.toEqual(
        new Set(['a', 'c']),
      );
      expect(findMemberships).toHaveBeenCalledTimes(1);
      expect(findMemberships).toHaveBeenCalledWith('caller', ['a', 'b', 'c']);
    });
  });

  describe('requireGroupManager', () => {
    it.each(['owner', 'admin'] as const)('lets a group’s %s through', async (role) => {
      givenMemberships({ [conversationId]: groupMember(role) });

      await expect(sut.requireGroupManager(auth, conversationId)).resolves.toMatchObject({ role });
    });

    it('refuses a plain member', async () => {
      givenMemberships({ [conversationId]: groupMember('member') });

      await expect(sut.requireGroupManager(auth, conversationId)).rejects.toThrow(
        new ForbiddenError('only an owner or admin can do this'),
      );
    });

    it('refuses any change to a direct conversation', async () => {
      givenMemberships({
        [conversationId]: {
          role: 'member',
          type: 'direct',
          request: false,
          lastSeq: 0,
        },
      });

      await expect(sut.requireGroupManager(auth, conversationId)).rejects.toThrow(
        new ForbiddenError('only groups can be changed'),
      );
    });

    it('tells a non-member the conversation does not exist', async () => {
      givenMemberships({});

      await expect(sut.requireGroupManager(auth, conversationId)).rejects.toThrow(
        ConversationNotFoundError,
      );
    });
  });
});
