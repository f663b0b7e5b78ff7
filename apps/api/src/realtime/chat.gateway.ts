import { Inject, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import {
  conversationRoom,
  deleteMessagePayloadSchema,
  editMessagePayloadSchema,
  joinConversationPayloadSchema,
  reactPayloadSchema,
  sendMessagePayloadSchema,
  syncPayloadSchema,
  typingPayloadSchema,
  userRoom,
  watermarkPayloadSchema,
  type AccessTokenClaims,
} from '@parley/protocol';
import type { Logger } from 'pino';
import {
  ConversationNotFoundError,
  RateLimitedError,
  UnauthorizedError,
} from '../common/errors.js';
import { LOGGER } from '../common/logger.js';
import { Access } from '../modules/access/access.js';
import { AccessTokenService } from '../modules/auth/access-token.service.js';
import { bearerToken } from '../modules/auth/bearer-token.js';
import type { AuthContext } from '../modules/auth/current-auth.decorator.js';
import { MessagesService } from '../modules/messages/messages.service.js';
import {
  HANDSHAKE_RATE_LIMITER,
  READ_RATE_LIMITERS,
  TYPING_RATE_LIMITER,
  type ReadRateLimiters,
} from '../rate-limit/rate-limit.module.js';
import { consumeOrRefuse, type RateLimiter } from '../rate-limit/token-bucket.js';
import { PresenceNotifier } from './presence-notifier.js';
import { PresenceService } from './presence.service.js';
import {
  RealtimePublisher,
  requestRoom,
  sessionRoom,
  type ChatServer,
  type ChatSocket,
} from './realtime-publisher.js';
import { command, SocketCommandQueues, type SocketCommandTable } from './socket-commands.js';
import { SocketContextRepository } from './socket-context.repository.js';
import { SocketQuota, TooManySocketsError } from './socket-quota.js';

/** A socket that passed the handshake and counts in presence, until its `connection`. */
interface AdmittedHandshake {
  peerIds: string[];
  /** Takes the socket out of presence again if its client leaves before the connection. */
  abandon: () => void;
}

// setTimeout cannot wait longer than this; a token living longer is re-checked then.
const MAX_TIMER_MS = 2_147_483_647;
// How long shutdown waits for queued events before it disconnects the sockets anyway.
const DRAIN_TIMEOUT_MS = 10_000;

/** The client closed its connection before the handshake finished: nothing went wrong. */
class HandshakeAbandonedError extends Error {
  constructor() {
    super('connection closed during the handshake');
  }
}

/** A handshake that reached a node in graceful shutdown: the client reconnects elsewhere. */
class NodeDrainingError extends Error {
  constructor() {
    super('node is shutting down');
  }
}

/**
 * The Socket.IO edge: authenticates the handshake, puts the socket in its rooms and in presence,
 * ends it with its token, and answers each client event with one service call (`commandsOf`;
 * the queue and the ack are `SocketCommandQueues`'). Presence fan-out is `PresenceNotifier`'s.
 */
@WebSocketGateway()
export class ChatGateway
  implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket>, OnModuleDestroy
{
  private server?: ChatServer;
  private draining = false;
  private readonly admittedHandshakes = new Map<string, AdmittedHandshake>();

  constructor(
    private readonly accessTokenService: AccessTokenService,
    private readonly socketContextRepository: SocketContextRepository,
    private readonly access: Access,
    private readonly messagesService: MessagesService,
    private readonly presenceService: PresenceService,
    private readonly presenceNotifier: PresenceNotifier,
    private readonly publisher: RealtimePublisher,
    @Inject(TYPING_RATE_LIMITER) private readonly typingRateLimiter: RateLimiter,
    @Inject(READ_RATE_LIMITERS) private readonly readRateLimiters: ReadRateLimiters,
    @Inject(HANDSHAKE_RATE_LIMITER) private readonly handshakeRateLimiter: RateLimiter,
    private readonly socketQuota: SocketQuota,
    private readonly commandQueues: SocketCommandQueues,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(server: ChatServer): void {
    this.server = server;
    this.publisher.attach(server);
    this.presenceNotifier.start();
    // Nest guards do not run on the handshake (nestjs/nest#882): authenticate in middleware,
    // so a refused client gets `connect_error` "unauthorized" instead of a silent disconnect.
    server.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (error: unknown) => {
          if (!isExpectedRefusal(error)) {
            this.logger.warn({ err: error }, 'socket handshake failed');
          }
          next(new Error(handshakeRefusal(error)));
        },
      );
    });
  }

  handleConnection(socket: ChatSocket): void {
    const handshake = this.admittedHandshakes.get(socket.id);
    this.admittedHandshakes.delete(socket.id);
    if (handshake) socket.conn.off('close', handshake.abandon);
    this.commandQueues.serve(socket, this.commandsOf(socket));
    this.expireWithToken(socket);
    this.presenceNotifier.socketOnline(
      socket.data,
      conversationRoomsOf(socket),
      socket.id,
      handshake?.peerIds ?? [],
    );
    socket.on('disconnecting', () => {
      // Rooms are left right after this event: capture them now.
      this.presenceNotifier.socketGone(socket.data, conversationRoomsOf(socket));
    });
  }

  /**
   * Graceful shutdown: refuse new sockets, let every queued event finish and ack, then
   * disconnect the sockets so their clients reconnect to another node and sync.
   */
  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    await Promise.race([
      this.commandQueues.settled(),
      new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS)),
    ]);
    this.server?.local.disconnectSockets(true);
    await this.presenceNotifier.settled();
  }

  /**
   * The handshake's steps, in order. A user's connect churn is limited once the token is
   * verified. The socket is counted within its user's
   * `MAX_SOCKETS_PER_USER` before `authenticate` does anything a refusal would have to undo
   * (rooms, presence); presence counts it last, once nothing refuses it. The quota slot is given
   * back when the socket disconnects, or at once when it never connects.
   */
  private async admit(socket: ChatSocket): Promise<void> {
    const { auth, headers } = socket.handshake;
    const token = bearerToken({ auth, authorization: headers.authorization });
    if (!token) throw new UnauthorizedError('missing token');
    const claims = await this.accessTokenService.verify(token);
    // Only holders of a valid token spend a bucket, so nobody can lock another user out.
    await consumeOrRefuse(this.handshakeRateLimiter, claims.sub);
    const slot = await this.socketQuota.reserve(claims.sub);
    try {
      const { peerIds } = await this.authenticate(socket, claims);
      await this.registerPresence(socket, peerIds);
    } catch (error) {
      slot.release();
      throw error;
    }
    // Socket.IO drops a socket whose connection closed during the handshake without a
    // 'disconnect' event; nothing can close it between this check and the connect.
    if (socket.conn.readyState !== 'open') {
      slot.release();
      throw new HandshakeAbandonedError();
    }
    socket.once('disconnect', () => slot.release());
  }

  private async authenticate(
    socket: ChatSocket,
    claims: AccessTokenClaims,
  ): Promise<{ peerIds: string[] }> {
    if (this.draining) throw new NodeDrainingError();
    const context = await this.socketContextRepository.findSocketContext(claims.sub, claims.sid);
    if (!context.sessionActive) throw new UnauthorizedError('session ended');
    socket.data = {
      userId: claims.sub,
      sessionId: claims.sid,
      tokenExpiresAt: claims.exp * 1000,
      presence: context.presence,
    };
    // In every room before the client sees `connect`: nothing sent after that is missed.
    socket.join([
      userRoom(claims.sub),
      sessionRoom(claims.sid),
      ...context.conversationIds.map(conversationRoom),
      ...context.requestConversationIds.map(requestRoom),
    ]);
    return { peerIds: context.peerIds };
  }

  /**
   * Counts the socket in presence before its client sees `connect`: a node that removes the
   * user's last other socket then finds this one and announces no "offline". Socket.IO emits
   * neither `connection` nor `disconnect` for a client that leaves during the middleware, so
   * until the connection the transport's close takes the count back.
   */
  private async registerPresence(socket: ChatSocket, peerIds: string[]): Promise<void> {
    // Gone already: Socket.IO drops the socket after the middleware, nothing to count.
    if (socket.conn.readyState !== 'open') return;
    const subject = socket.data;
    const rooms = conversationRoomsOf(socket);
    const abandon = () => {
      this.admittedHandshakes.delete(socket.id);
      this.presenceNotifier.socketGone(subject, rooms);
    };
    socket.conn.once('close', abandon);
    this.admittedHandshakes.set(socket.id, { peerIds, abandon });
    await this.presenceService.socketConnected(subject.userId);
    if (this.draining && this.admittedHandshakes.has(socket.id)) {
      socket.conn.off('close', abandon);
      abandon();
      throw new NodeDrainingError();
    }
  }

  /** The gateway's answer to each client event: one service call each. */
  private commandsOf(socket: ChatSocket): SocketCommandTable {
    const { userId } = socket.data;
    const auth: AuthContext = { userId, sessionId: socket.data.sessionId };
    return {
      'message:send': command(sendMessagePayloadSchema, async (input) => ({
        message: await this.messagesService.send(auth, input),
      })),
      'message:edit': command(editMessagePayloadSchema, async (input) => ({
        message: await this.messagesService.edit(auth, input),
      })),
      'message:delete': command(deleteMessagePayloadSchema, async (input) => ({
        message: (await this.messagesService.delete(auth, input)).message,
      })),
      'message:react': command(reactPayloadSchema, async (input) => ({
        message: await this.messagesService.react(auth, input),
      })),
      'message:delivered': command(watermarkPayloadSchema, async (input) => {
        await this.messagesService.markDelivered(auth, input.conversationId, input.seq);
        return {};
      }),
      'message:read': command(watermarkPayloadSchema, async (input) => {
        const { unreadCount, mentionCount } = await this.messagesService.markRead(
          auth,
          input.conversationId,
          input.seq,
          socket.id,
        );
        return { unreadCount, mentionCount };
      }),
      'conversation:join': command(joinConversationPayloadSchema, async (input) => {
        await consumeOrRefuse(this.readRateLimiters.joinConversation, userId);
        const membership = await this.access.requireMember(auth, input.conversationId);
        await socket.join(
          (membership.request ? requestRoom : conversationRoom)(input.conversationId),
        );
        return {};
      }),
      typing: command(typingPayloadSchema, async (input) => {
        const room = conversationRoom(input.conversationId);
        // The opener of a message request does not see its receiver type until they accept.
        if (socket.rooms.has(requestRoom(input.conversationId))) return {};
        // Room membership mirrors conversation membership, so no database round trip here.
        if (!socket.rooms.has(room)) throw new ConversationNotFoundError();
        await consumeOrRefuse(this.typingRateLimiter, userId);
        socket.to([room, requestRoom(input.conversationId)]).emit('typing', {
          conversationId: input.conversationId,
          userId,
          isTyping: input.isTyping,
        });
        return {};
      }),
      sync: command(syncPayloadSchema, async (input) => {
        await consumeOrRefuse(this.readRateLimiters.sync, userId);
        return this.messagesService.sync(auth, input);
      }),
    };
  }

  /** A socket lives no longer than its access token: at expiry the client must refresh. */
  private expireWithToken(socket: ChatSocket): void {
    const delay = Math.min(Math.max(0, socket.data.tokenExpiresAt - Date.now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      socket.emit('auth:expired', {});
      socket.disconnect(true);
    }, delay);
    socket.on('disconnect', () => clearTimeout(timer));
  }
}

/** Refusals that are the client's doing, or a node's planned shutdown: no warning in the log. */
function isExpectedRefusal(error: unknown): boolean {
  return (
    error instanceof UnauthorizedError ||
    error instanceof TooManySocketsError ||
    error instanceof RateLimitedError ||
    error instanceof HandshakeAbandonedError ||
    error instanceof NodeDrainingError
  );
}

/** The `connect_error` message a refused handshake gets. */
function handshakeRefusal(error: unknown): string {
  if (error instanceof UnauthorizedError) return 'unauthorized';
  if (error instanceof TooManySocketsError) return error.message;
  if (error instanceof RateLimitedError) return 'rate_limited';
  return 'unavailable';
}

function conversationRoomsOf(socket: ChatSocket): string[] {
  return [...socket.rooms].filter((room) => room.startsWith('conversation:'));
}
