import { Injectable } from '@nestjs/common';
import {
  conversationRoom,
  userRoom,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@parley/protocol';
import type { Server } from 'socket.io';

export interface SocketData {
  userId: string;
  sessionId: string;
  /** Epoch milliseconds at which the handshake's access token expires. */
  tokenExpiresAt: number;
}

export type ChatServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

type EventArgs<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

/**
 * The one way services push to clients. Every push goes through a Socket.IO room, so the Redis
 * adapter carries it to every node; services never touch the Socket.IO server themselves.
 */
@Injectable()
export class RealtimePublisher {
  private server?: ChatServer;

  attach(server: ChatServer): void {
    this.server = server;
  }

  toConversation<E extends keyof ServerToClientEvents>(
    conversationId: string,
    event: E,
    ...args: EventArgs<E>
  ): void {
    this.server?.to(conversationRoom(conversationId)).emit(event, ...args);
  }

  /** Emits to every socket of `userId`, except the socket `exceptSocketId` when given. */
  toUser<E extends keyof ServerToClientEvents>(
    target: { userId: string; exceptSocketId?: string },
    event: E,
    ...args: EventArgs<E>
  ): void {
    if (!this.server) return;
    const room = this.server.to(userRoom(target.userId));
    (target.exceptSocketId ? room.except(target.exceptSocketId) : room).emit(event, ...args);
  }

  /**
   * Emits to the conversation's room, leaving out every socket of `exceptUserIds`: one
   * publish, however many members the room holds.
   */
  toConversationExcept<E extends keyof ServerToClientEvents>(
    conversationId: string,
    exceptUserIds: string[],
    event: E,
    ...args: EventArgs<E>
  ): void {
    this.server
      ?.to(conversationRoom(conversationId))
      .except(exceptUserIds.map(userRoom))
      .emit(event, ...args);
  }

  /** Emits the same payload to every socket of each of `userIds`: one publish for all of them. */
  toUsers<E extends keyof ServerToClientEvents>(
    userIds: string[],
    event: E,
    ...args: EventArgs<E>
  ): void {
    if (userIds.length === 0) return;
    this.server?.to(userIds.map(userRoom)).emit(event, ...args);
  }

  /** Moves all of the user's sockets, on every node, into the conversation's room. */
  joinConversation(userIds: string[], conversationId: string): void {
    this.server?.in(userIds.map(userRoom)).socketsJoin(conversationRoom(conversationId));
  }

  leaveConversation(userId: string, conversationId: string): void {
    this.server?.in(userRoom(userId)).socketsLeave(conversationRoom(conversationId));
  }

  /** Disconnects every socket of a session (after logout), on every node. */
  disconnectSession(sessionId: string): void {
    this.server?.in(sessionRoom(sessionId)).disconnectSockets(true);
  }
}
