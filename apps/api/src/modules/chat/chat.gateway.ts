import { Inject, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import {
  conversationRoom,
  joinConversationPayloadSchema,
  sendMessagePayloadSchema,
  syncPayloadSchema,
  typingPayloadSchema,
  userRoom,
  watermarkPayloadSchema,
  type Ack,
  type ClientToServerEvents,
  type PresenceEvent,
  type PresenceVisibility,
  type ServerToClientEvents,
} from '@parley/protocol';
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { ZodType } from 'zod';
import { isUnexpected, toAckError } from '../../common/error-mapping.js';
import {
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from '../../common/errors.js';
import { LOGGER } from '../../common/logger.js';
import { TYPING_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import type { RateLimiter } from '../../rate-limit/token-bucket.js';
import {
  RealtimePublisher,
  requestRoom,
  sessionRoom,
  type ChatServer,
  type InterServerEvents,
  type SocketData,
} from '../../realtime/realtime-publisher.js';
import { AccessTokenService } from '../auth/access-token.service.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { MessagesService } from '../messages/messages.service.js';
import { PresenceAudience } from '../privacy/presence-audience.js';
import { ChatRepository } from './chat.repository.js';
import { PresenceService } from '../../realtime/presence.service.js';

type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type AckReply = (response: Ack<object>) => void;

// setTimeout cannot wait longer than this; a token living longer is re-checked then.
const MAX_TIMER_MS = 2_147_483_647;
// How long shutdown waits for queued events before it disconnects the sockets anyway.
const DRAIN_TIMEOUT_MS = 10_000;

function parsePayload<T>(schema: ZodType<T>, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (!result.success) throw ValidationError.fromZod(result.error);
  return result.data;
}

/**
 * The Socket.IO edge: authenticates the handshake, puts the socket in its rooms, and turns
 * each client event into one service call and exactly one ack. Events of one socket are handled
 * one after another, in the order sent.
 */
@WebSocketGateway()
export class ChatGateway
  implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket>, OnModuleDestroy
{
  private server?: ChatServer;
  private draining = false;
  /** The tail of each socket's event queue: what shutdown waits for. */
  private readonly pendingBySocket = new Map<string, Promise<void>>();
  private readonly pendingPresence = new Set<Promise<void>>();

  constructor(
    private readonly accessTokenService: AccessTokenService,
    private readonly chatRepository: ChatRepository,
    private readonly conversationsService: ConversationsService,
    private readonly messagesService: MessagesService,
    private readonly presenceService: PresenceService,
    private readonly presenceAudience: PresenceAudience,
    private readonly publisher: RealtimePublisher,
    @Inject(TYPING_RATE_LIMITER) private readonly typingRateLimiter: RateLimiter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(server: ChatServer): void {
    this.server = server;
    this.publisher.attach(server);
    this.presenceService.onWentOfflineElsewhere((userIds) => {
      this.track(this.announceOffline(userIds));
    });
    // Nest guards do not run on the handshake (nestjs/nest#882): authenticate in middleware,
    // so a refused client gets `connect_error` "unauthorized" instead of a silent disconnect.
    server.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) => {
          if (!(error instanceof UnauthorizedError)) {
            this.logger.warn({ err: error }, 'socket handshake failed');
          }
          next(new Error(error instanceof UnauthorizedError ? 'unauthorized' : 'unavailable'));
        },
      );
    });
  }

  handleConnection(socket: ChatSocket): void {
    const { userId } = socket.data;
    this.bindCommands(socket);
    this.expireWithToken(socket);
    const rooms = conversationRoomsOf(socket);
    this.track(
      this.presenceService.socketConnected(userId).then((cameOnline) => {
        if (cameOnline) this.announcePresence(socket.data, rooms, 'online', socket.id);
      }),
    );
    socket.on('disconnecting', () => {
      // Rooms are left right after this event: capture them now.
      const roomsAtDisconnect = conversationRoomsOf(socket);
      this.track(
        this.presenceService.socketDisconnected(userId).then((wentOffline) => {
          if (wentOffline) this.announcePresence(socket.data, roomsAtDisconnect, 'offline');
        }),
      );
    });
  }

  /**
   * Graceful shutdown: refuse new sockets, let every queued event finish and ack, then
   * disconnect the sockets so their clients reconnect to another node and sync.
   */
  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    await Promise.race([
      Promise.allSettled(this.pendingBySocket.values()),
      new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS)),
    ]);
    this.server?.local.disconnectSockets(true);
    await Promise.allSettled(this.pendingPresence);
  }

  private async authenticate(socket: ChatSocket): Promise<void> {
    if (this.draining) throw new Error('node is shutting down');
    const claims = await this.accessTokenService.verify(this.handshakeToken(socket));
    const context = await this.chatRepository.findSocketContext(claims.sub, claims.sid);
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
    // Tell the newcomer who of its peers is already online.
    const now = new Date().toISOString();
    for (const peerId of await this.presenceService.onlineAmong(context.peerIds)) {
      socket.emit('presence', { userId: peerId, status: 'online', lastSeenAt: now });
    }
  }

  private handshakeToken(socket: ChatSocket): string {
    const fromAuth: unknown = socket.handshake.auth?.token;
    if (typeof fromAuth === 'string' && fromAuth) return fromAuth;
    const [scheme, token] = (socket.handshake.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() === 'bearer' && token) return token;
    throw new UnauthorizedError('missing token');
  }

  private bindCommands(socket: ChatSocket): void {
    const { userId } = socket.data;
    let previous: Promise<void> = Promise.resolve();
    const on = <T>(
      event: keyof ClientToServerEvents,
      schema: ZodType<T>,
      handle: (input: T) => Promise<object>,
    ) => {
      socket.on(event, (...args: unknown[]) => {
        const reply: AckReply =
          typeof args.at(-1) === 'function' ? (args.pop() as AckReply) : () => undefined;
        const payload = args[0];
        previous = previous.then(async () => {
          try {
            reply({ ok: true, ...(await handle(parsePayload(schema, payload))) });
          } catch (error) {
            if (isUnexpected(error))
              this.logger.error({ err: error, event }, 'socket event failed');
            reply({ ok: false, error: toAckError(error) });
          }
        });
        this.pendingBySocket.set(socket.id, previous);
      });
    };

    on('message:send', sendMessagePayloadSchema, async (input) => ({
      message: await this.messagesService.send(userId, input),
    }));
    on('message:delivered', watermarkPayloadSchema, async (input) => {
      await this.messagesService.markDelivered(userId, input.conversationId, input.seq);
      return {};
    });
    on('message:read', watermarkPayloadSchema, async (input) => {
      const { unreadCount } = await this.messagesService.markRead(
        userId,
        input.conversationId,
        input.seq,
        socket.id,
      );
      return { unreadCount };
    });
    on('conversation:join', joinConversationPayloadSchema, async (input) => {
      const membership = await this.conversationsService.requireMembership(
        input.conversationId,
        userId,
      );
      await socket.join(
        (membership.request ? requestRoom : conversationRoom)(input.conversationId),
      );
      return {};
    });
    on('typing', typingPayloadSchema, async (input) => {
      const room = conversationRoom(input.conversationId);
      // The opener of a message request does not see its receiver type until they accept.
      if (socket.rooms.has(requestRoom(input.conversationId))) return {};
      // Room membership mirrors conversation membership, so no database round trip here.
      if (!socket.rooms.has(room)) throw new NotFoundError('conversation not found');
      const decision = await this.typingRateLimiter.consume(userId);
      if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs);
      socket
        .to([room, requestRoom(input.conversationId)])
        .emit('typing', { conversationId: input.conversationId, userId, isTyping: input.isTyping });
      return {};
    });
    on('sync', syncPayloadSchema, (input) => this.messagesService.sync(userId, input));
  }

  /** A socket lives no longer than its access token: at expiry the client must refresh. */
  private expireWithToken(socket: ChatSocket): void {
    const delay = Math.min(Math.max(0, socket.data.tokenExpiresAt - Date.now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      socket.emit('auth:expired', {});
      socket.disconnect(true);
    }, delay);
    socket.on('disconnect', () => {
      clearTimeout(timer);
      this.pendingBySocket.delete(socket.id);
    });
  }

  /**
   * Presence goes to the rooms of the user's conversations only, never to everyone, and only to
   * those the user's privacy setting lets see it.
   */
  private announcePresence(
    subject: { userId: string; presence: PresenceVisibility },
    rooms: string[],
    status: PresenceEvent['status'],
    exceptSocketId?: string,
  ): void {
    this.track(this.presenceAudience.announce(subject, rooms, status, exceptSocketId));
  }

  /** Users whose node died: tell the peers in each of their conversations. */
  private async announceOffline(userIds: string[]): Promise<void> {
    for (const subject of await this.chatRepository.findPresenceSubjects(userIds)) {
      this.announcePresence(subject, subject.conversationIds.map(conversationRoom), 'offline');
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) =>
      this.logger.warn({ err: error }, 'presence update failed'),
    );
    this.pendingPresence.add(tracked);
    void tracked.finally(() => this.pendingPresence.delete(tracked));
  }
}

function conversationRoomsOf(socket: ChatSocket): string[] {
  return [...socket.rooms].filter((room) => room.startsWith('conversation:'));
}
