import { Inject } from '@nestjs/common';
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
  sessionRoom,
  type ChatServer,
  type SocketData,
} from '../../realtime/realtime-publisher.js';
import { AccessTokenService } from '../auth/access-token.service.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { MessagesService } from '../messages/messages.service.js';
import { ChatRepository } from './chat.repository.js';
import { PresenceService } from './presence.service.js';

type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type AckReply = (response: Ack<object>) => void;

// setTimeout cannot wait longer than this; a token living longer is re-checked then.
const MAX_TIMER_MS = 2_147_483_647;

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
export class ChatGateway implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket> {
  constructor(
    private readonly accessTokenService: AccessTokenService,
    private readonly chatRepository: ChatRepository,
    private readonly conversationsService: ConversationsService,
    private readonly messagesService: MessagesService,
    private readonly presenceService: PresenceService,
    private readonly publisher: RealtimePublisher,
    @Inject(TYPING_RATE_LIMITER) private readonly typingRateLimiter: RateLimiter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(server: ChatServer): void {
    this.publisher.attach(server);
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
    if (this.presenceService.socketConnected(userId)) {
      this.announcePresence(socket, 'online');
    }
    socket.on('disconnecting', () => {
      if (this.presenceService.socketDisconnected(userId)) this.announcePresence(socket, 'offline');
    });
  }

  private async authenticate(socket: ChatSocket): Promise<void> {
    const claims = await this.accessTokenService.verify(this.handshakeToken(socket));
    const context = await this.chatRepository.findSocketContext(claims.sub, claims.sid);
    if (!context.sessionActive) throw new UnauthorizedError('session ended');
    socket.data = { userId: claims.sub, sessionId: claims.sid, tokenExpiresAt: claims.exp * 1000 };
    // In every room before the client sees `connect`: nothing sent after that is missed.
    socket.join([
      userRoom(claims.sub),
      sessionRoom(claims.sid),
      ...context.conversationIds.map(conversationRoom),
    ]);
    // Tell the newcomer who of its peers is already online.
    const now = new Date().toISOString();
    for (const peerId of this.presenceService.onlineAmong(context.peerIds)) {
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
      await this.conversationsService.requireMembership(input.conversationId, userId);
      await socket.join(conversationRoom(input.conversationId));
      return {};
    });
    on('typing', typingPayloadSchema, async (input) => {
      const room = conversationRoom(input.conversationId);
      // Room membership mirrors conversation membership, so no database round trip here.
      if (!socket.rooms.has(room)) throw new NotFoundError('conversation not found');
      const decision = await this.typingRateLimiter.consume(userId);
      if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs);
      socket
        .to(room)
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
    socket.on('disconnect', () => clearTimeout(timer));
  }

  /** Presence goes to the rooms of the user's conversations only, never to everyone. */
  private announcePresence(socket: ChatSocket, status: PresenceEvent['status']): void {
    const rooms = [...socket.rooms].filter((room) => room.startsWith('conversation:'));
    if (rooms.length === 0) return;
    const event: PresenceEvent = {
      userId: socket.data.userId,
      status,
      lastSeenAt: new Date().toISOString(),
    };
    socket.to(rooms).emit('presence', event);
  }
}
