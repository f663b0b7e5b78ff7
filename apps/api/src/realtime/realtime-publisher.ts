import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  conversationRoom,
  userRoom,
  type ClientToServerEvents,
  type PresenceVisibility,
  type ReceiptUpdate,
  type ServerToClientEvents,
} from '@parley/protocol';
import { Counter } from 'prom-client';
import type { Server, Socket } from 'socket.io';
import { MetricsService } from '../modules/metrics/metrics.service.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { ReceiptCoalescer, RECEIPT_WINDOW_MS } from './receipt-coalescer.js';

export interface SocketData {
  userId: string;
  sessionId: string;
  /** Epoch milliseconds at which the handshake's access token expires. */
  tokenExpiresAt: number;
  /** The user's presence setting, kept current on every node when it changes. */
  presence: PresenceVisibility;
}

/** Events between nodes (Socket.IO `serverSideEmit`). */
export interface InterServerEvents {
  'presence:visibility': (userId: string, visibility: PresenceVisibility) => void;
}

export type ChatServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

export type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

type EventArgs<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
/**
 * The room of a message request's receiving member: its messages reach them, but their presence
 * and typing stay out of `conversation:{id}` until they accept.
 */
export const requestRoom = (conversationId: string): string => `request:${conversationId}`;

/**
 * The one way services push to clients. Every push goes through a Socket.IO room, so the Redis
 * adapter carries it to every node; services never touch the Socket.IO server themselves.
 */
@Injectable()
export class RealtimePublisher implements BeforeApplicationShutdown {
  private server?: ChatServer;
  private readonly receipts: ReceiptCoalescer;

  constructor(
    private readonly redis: RedisConnection,
    metricsService: MetricsService,
  ) {
    const receiptUpdates = new Counter({
      name: 'parley_receipt_updates_total',
      help: 'receipt:updates of this node: published, or coalesced away into a later one',
      labelNames: ['outcome'],
      registers: [metricsService.registry],
    });
    const published = receiptUpdates.labels('published');
    const coalesced = receiptUpdates.labels('coalesced');
    this.receipts = new ReceiptCoalescer({
      windowMs: RECEIPT_WINDOW_MS,
      publish: (receipt) => {
        published.inc();
        this.toConversation(receipt.conversationId, 'receipt:update', receipt);
      },
      onCoalesced: () => coalesced.inc(),
    });
  }

  /** Sends the receipts still held back while the Redis adapter can still carry them. */
  beforeApplicationShutdown(): void {
    this.receipts.close();
  }

  attach(server: ChatServer): void {
    this.server = server;
    server.on('presence:visibility', (userId, visibility) =>
      this.setLocalPresenceVisibility(userId, visibility),
    );
  }

  /** To the conversation's members, the receiver of a pending message request included. */
  toConversation<E extends keyof ServerToClientEvents>(
    conversationId: string,
    event: E,
    ...args: EventArgs<E>
  ): void {
    this.server
      ?.to([conversationRoom(conversationId), requestRoom(conversationId)])
      .emit(event, ...args);
  }

  /**
   * A member's moved watermarks, to the conversation: at once, or when this member has just had
   * one, within `RECEIPT_WINDOW_MS` together with whatever else follows (contract v2 section 4).
   */
  receiptUpdate(receipt: ReceiptUpdate): void {
    this.receipts.submit(receipt);
  }

  /** One emit to every socket in any of `rooms`, except the socket `exceptSocketId`. */
  toRooms<E extends keyof ServerToClientEvents>(
    target: { rooms: string[]; exceptSocketId?: string },
    event: E,
    ...args: EventArgs<E>
  ): void {
    if (!this.server || target.rooms.length === 0) return;
    const rooms = this.server.to(target.rooms);
    (target.exceptSocketId ? rooms.except(target.exceptSocketId) : rooms).emit(event, ...args);
  }

  /**
   * To this node's sockets in any of `rooms`, minus `exceptSocketIds`: for what reaches every
   * node by another way (presence comes through its own ordered Redis channel).
   */
  toLocalRooms<E extends keyof ServerToClientEvents>(
    target: { rooms: string[]; exceptSocketIds: string[] },
    event: E,
    ...args: EventArgs<E>
  ): void {
    // No rooms would mean every socket to Socket.IO.
    if (!this.server || target.rooms.length === 0) return;
    this.server.local
      .to(target.rooms)
      .except(target.exceptSocketIds)
      .emit(event, ...args);
  }

  /** To one socket, if it is connected to this node. */
  toLocalSocket<E extends keyof ServerToClientEvents>(
    socketId: string,
    event: E,
    ...args: EventArgs<E>
  ): void {
    this.server?.sockets.sockets.get(socketId)?.emit(event, ...args);
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
    this.server
      ?.in(userRoom(userId))
      .socketsLeave([conversationRoom(conversationId), requestRoom(conversationId)]);
  }

  /** Moves all of the user's sockets into the room of a message request they received. */
  joinRequest(userId: string, conversationId: string): void {
    this.server?.in(userRoom(userId)).socketsJoin(requestRoom(conversationId));
  }

  /** An accepted request: the receiver's sockets move from the request room to the conversation's. */
  acceptRequest(userId: string, conversationId: string): void {
    if (!this.server) return;
    this.server.in(userRoom(userId)).socketsJoin(conversationRoom(conversationId));
    this.server.in(userRoom(userId)).socketsLeave(requestRoom(conversationId));
  }

  /** Records a changed presence setting on every socket of the user, on every node. */
  setPresenceVisibility(userId: string, visibility: PresenceVisibility): void {
    this.setLocalPresenceVisibility(userId, visibility);
    // Without Redis this node is the only one (and the plain adapter only warns on this call).
    if (this.redis.client) this.server?.serverSideEmit('presence:visibility', userId, visibility);
  }

  private setLocalPresenceVisibility(userId: string, visibility: PresenceVisibility): void {
    const socketIds = this.server?.sockets.adapter.rooms.get(userRoom(userId)) ?? [];
    for (const socketId of socketIds) {
      const socket = this.server?.sockets.sockets.get(socketId);
      if (socket) socket.data.presence = visibility;
    }
  }

  /** Disconnects every socket of a session (after logout), on every node. */
  disconnectSession(sessionId: string): void {
    this.server?.in(sessionRoom(sessionId)).disconnectSockets(true);
  }
}
