import { randomUUID } from 'node:crypto';
import type {
  Ack,
  ClientToServerEvents,
  Conversation,
  Message,
  ServerToClientEvents,
  User,
} from '@parley/protocol';
import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import { type httpClient, uniqueUsername } from './test-app.js';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
}

type Http = ReturnType<typeof httpClient>;

export async function registerUser(http: Http, displayName?: string): Promise<Session> {
  const response = await http.post('/auth/register', {
    username: uniqueUsername(),
    password: 'correct horse battery',
    displayName,
  });
  expect(response.status).toBe(201);
  return response.body as Session;
}

export async function createDirect(http: Http, session: Session, other: Session) {
  const response = await http.post<Conversation>(
    '/conversations',
    { type: 'direct', memberId: other.user.id },
    session.accessToken,
  );
  expect([200, 201]).toContain(response.status);
  return response.body;
}

export async function createGroup(http: Http, owner: Session, members: Session[], name = 'Group') {
  const response = await http.post<Conversation>(
    '/conversations',
    { type: 'group', name, memberIds: members.map((member) => member.user.id) },
    owner.accessToken,
  );
  expect(response.status).toBe(201);
  return response.body;
}

/** Every server event a socket received, in order, with a way to wait for one. */
export class EventLog {
  readonly entries: { event: string; payload: any }[] = [];
  private waiters: {
    test: (entry: { event: string; payload: any }) => boolean;
    resolve: (payload: any) => void;
  }[] = [];

  constructor(socket: ChatSocket) {
    socket.onAny((event: string, payload: unknown) => {
      const entry = { event, payload };
      this.entries.push(entry);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.test(entry)) return true;
        waiter.resolve(entry.payload);
        return false;
      });
    });
  }

  of<E extends keyof ServerToClientEvents>(event: E): Parameters<ServerToClientEvents[E]>[0][] {
    return this.entries.filter((entry) => entry.event === event).map((entry) => entry.payload);
  }

  /** Resolves with the first payload of `event` (past or future) that matches. */
  waitFor<E extends keyof ServerToClientEvents>(
    event: E,
    matches: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<Parameters<ServerToClientEvents[E]>[0]> {
    const test = (entry: { event: string; payload: any }) =>
      entry.event === event && matches(entry.payload);
    const past = this.entries.find(test);
    if (past) return Promise.resolve(past.payload);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${event}`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (payload) => {
          clearTimeout(timer);
          resolve(payload);
        },
      });
    });
  }
}

export interface ConnectedClient {
  socket: ChatSocket;
  log: EventLog;
}

/** Connects a real socket.io-client; resolves on `connect`, rejects with the `connect_error`. */
export function connect(
  baseUrl: string,
  token: string | undefined,
  options: { extraHeaders?: Record<string, string> } = {},
): Promise<ConnectedClient> {
  const socket: ChatSocket = io(baseUrl, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: options.extraHeaders,
  });
  const log = new EventLog(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, log }));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Emits a client event and resolves with its ack. */
export function request<E extends keyof ClientToServerEvents>(
  socket: ChatSocket,
  event: E,
  payload: unknown,
): Promise<Ack<any>> {
  return (socket.timeout(5_000) as any).emitWithAck(event, payload);
}

export async function sendMessage(
  socket: ChatSocket,
  conversationId: string,
  content: string,
): Promise<Message> {
  const ack = await request(socket, 'message:send', {
    conversationId,
    content,
    clientMsgId: randomUUID(),
  });
  if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
  return ack.message as Message;
}
