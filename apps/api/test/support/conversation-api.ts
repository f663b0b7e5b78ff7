import type {
  Conversation,
  ConversationMember,
  ConversationPage,
  MemberRole,
} from '@parley/protocol';
import { expect } from 'vitest';
import type { Session } from './chat-client.js';
import type { Http } from './api-context.js';

/** The conversation routes as one caller sends them, each answering the raw `HttpResult`. */
export function conversationRoutes(http: Http) {
  return {
    getConversation: (id: string, session: Session) =>
      http.get<Conversation>(`/conversations/${id}`, session.accessToken),
    rename: (id: string, name: unknown, session: Session) =>
      http.request<Conversation>('PATCH', `/conversations/${id}`, {
        body: { name },
        token: session.accessToken,
      }),
    addMember: (id: string, body: unknown, session: Session) =>
      http.post<Conversation>(`/conversations/${id}/members`, body, session.accessToken),
    removeMember: (id: string, userId: string, session: Session) =>
      http.request('DELETE', `/conversations/${id}/members/${userId}`, {
        token: session.accessToken,
      }),
    markRead: (id: string, seq: unknown, session: Session) =>
      http.post(`/conversations/${id}/read`, { seq }, session.accessToken),
    listConversations: (session: Session, query = '') =>
      http.get<ConversationPage>(`/conversations${query}`, session.accessToken),
  };
}

/** `session` as a member of a conversation, with both watermarks at `watermark`. */
export function member(session: Session, role: MemberRole, watermark = 0): ConversationMember {
  return {
    userId: session.user.id,
    username: session.user.username,
    displayName: session.user.displayName,
    role,
    lastReadSeq: watermark,
    lastDeliveredSeq: watermark,
  };
}

const byUserId = (members: ConversationMember[]) =>
  [...members].sort((left, right) => left.userId.localeCompare(right.userId));

/** The members in any order. */
export function expectMembers(
  conversation: { members: ConversationMember[] },
  expected: ConversationMember[],
) {
  expect(byUserId(conversation.members)).toEqual(byUserId(expected));
}
