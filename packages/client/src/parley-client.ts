import {
  deleteMessagePayloadSchema,
  editMessagePayloadSchema,
  reactPayloadSchema,
  sendMessagePayloadSchema,
  type ConversationUpdate,
  type LoginBody,
  type Message,
  type PresenceEvent,
  type ReceiptUpdate,
  type RegisterBody,
  type TokenPair,
  type TokenResponse,
  type TypingEvent,
  type UnreadUpdate,
  type User,
} from '@parley/protocol';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { newClientMsgId } from './client-msg-id.js';
import { Connection, type ConnectionStatus } from './connection.js';
import { ParleyHttpClient } from './http-client.js';
import type { SyncCursor } from './message-ledger.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { ParleySession } from './session.js';
import { socketCommand, type ParleySocket, type SocketCommand } from './socket-commands.js';
import { ParleySocketError } from './socket-error.js';
import { SyncLoop } from './sync-loop.js';
import { TypedEventEmitter } from './typed-event-emitter.js';

/** Events of {@link ParleyClient}. */
export interface ParleyClientEvents {
  /**
   * Every message of every conversation exactly once, the user's own included, in seq order
   * per conversation: live ones, ones sync brought after a reconnect, and sent ones. This is the
   * only way a message reaches the app: an own message shows as its `outbox` entry until this
   * event, and the entry leaves right after it once the server has confirmed the message (the
   * live echo can come before the ack: match the two by `clientMsgId` meanwhile).
   */
  message: (message: Message) => void;
  /**
   * A message changed (edited, deleted, a reaction put on or taken back): its whole new state,
   * to show in place of the one held (same `conversationId` and `seq`). A deleted message comes
   * as its tombstone (`deletedAt` set, `content` empty). Never a state older than or the same as
   * one the client passed on before, by `rev`; each change once, from the live event, from
   * `sync` after a reconnect, or from the ack of this client's own change. A change to a message
   * not released yet is not announced here: that message's `message` event carries its newest
   * state. The client may announce changes to older messages than it released (loaded with
   * `http.getMessages`): apply them to a message you hold, keeping the higher `rev`
   * (`latestMessageState`).
   */
  messageUpdated: (message: Message) => void;
  receipt: (update: ReceiptUpdate) => void;
  /**
   * The user's own unread and mention counts of a conversation changed elsewhere: a read on
   * another device, or a deleted message that counted.
   */
  unread: (update: UnreadUpdate) => void;
  /**
   * A conversation changed or the user was added to one: the whole conversation as this user
   * sees it, or its shared form without `unreadCount`, `mentionCount` and `lastReadSeq` (keep
   * yours; see `mergeConversationUpdate`).
   */
  conversation: (update: ConversationUpdate) => void;
  /** The user is no longer a member. */
  removed: (event: { conversationId: string }) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  status: (status: ConnectionStatus) => void;
  /** The outbox changed; the argument is {@link ParleyClient.outbox}. */
  outbox: (entries: readonly OutboxEntry[]) => void;
  /** The server refused to refresh the session (revoked or expired): sign in again. */
  signedOut: () => void;
}

/** What a message sent with {@link ParleyClient.send} answers or whom it mentions. */
export interface SendOptions {
  /** The seq of an earlier message of the same conversation that this one answers. */
  replyToSeq?: number;
  /**
   * Members of the conversation the message mentions (their user ids); duplicates and the
   * user's own id are dropped by the server, then at most 50 may remain.
   */
  mentions?: readonly string[];
}

export interface ParleyClientOptions {
  /** Base URL of a Parley API node, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /**
   * Where the refresh token lives. `'tokens'`: with the app, which persists the pair it gets in
   * `onTokens` (Node, native apps). `'cookie'` (browsers): in the server's HttpOnly cookie,
   * out of reach of the page's scripts; the access token lives in memory only, and a new page
   * gets one with {@link ParleyClient.resumeSession}. Cookie sessions need the API on the
   * page's origin or on an allowed one (`CORS_ORIGIN`) of the same site.
   * @default 'tokens'
   */
  session?: 'tokens' | 'cookie';
  /** Tokens kept from an earlier run (see `onTokens`); token sessions only. */
  tokens?: TokenPair | null;
  /**
   * Called with every new token pair and with null on sign-out. Persist the pair here: refresh
   * tokens rotate, so a stored old one is spent.
   */
  onTokens?: (tokens: TokenPair | null) => void;
  /** Cursors kept from an earlier run (see {@link ParleyClient.cursors}): sync resumes from them. */
  cursors?: readonly SyncCursor[];
  /**
   * How long a socket command waits for its ack.
   * @default 10000
   */
  ackTimeoutMs?: number;
  /** Delays of reconnection (given to socket.io-client), sync, send and refresh retries. */
  backoff?: Partial<BackoffOptions>;
  /**
   * Transmissions of a message that end in UNAVAILABLE, INTERNAL or a timeout before its entry
   * is `failed` and its send rejects.
   * @default 5
   */
  maxSendAttempts?: number;
  /**
   * How long before the access token expires to refresh it (at most a fifth of its lifetime).
   * @default 30000
   */
  refreshLeewayMs?: number;
  /** Messages per conversation and sync round; the server's default is 100, its maximum 500. */
  syncLimit?: number;
  /**
   * Extra socket.io-client options, e.g. `{ transports: ['websocket'] }` for a load generator.
   * The SDK sets `auth`, `autoConnect`, `forceNew` and the reconnection delays itself.
   */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * The Parley client: the signed-in session, the socket with sync and outbox, and the REST routes
 * (`client.http`). Framework-free; runs in Node 20 and in browsers.
 * @example
 * // In a browser: the refresh token in an HttpOnly cookie, the access token in memory only.
 * const client = new ParleyClient({ baseUrl: location.origin, session: 'cookie' });
 * const userId = await client.resumeSession().catch(() => null);
 * if (!userId) await client.login({ username: 'alice', password: 'correct horse' });
 * client.on('message', (message) => render(message));
 * await client.connect();
 * await client.send(conversationId, 'Hello!');
 */
export class ParleyClient extends TypedEventEmitter<ParleyClientEvents> {
  /** The REST routes, authenticated with this client's session (401: refresh, retry once). */
  readonly http: ParleyHttpClient;
  /**
   * The underlying socket. Listen to it only for what the client does not surface; connecting
   * and disconnecting go through the client.
   */
  readonly socket: ParleySocket;

  private readonly session: ParleySession;
  private readonly cookieSession: boolean;
  private readonly connection: Connection;
  private readonly command: SocketCommand;
  private readonly outboxQueue: Outbox;
  private readonly sync: SyncLoop;
  private currentUser: User | null = null;
  private closed = false;

  constructor(options: ParleyClientOptions) {
    super();
    const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.cookieSession = options.session === 'cookie';
    const onTokens = options.onTokens;
    this.session = new ParleySession({
      tokens: this.cookieSession ? null : (options.tokens ?? null),
      refreshTokens: (refreshToken) => {
        if (this.cookieSession) return this.http.refreshFromCookie();
        if (refreshToken === undefined) return Promise.reject(new Error('Not signed in'));
        return this.http.refresh(refreshToken);
      },
      // A cookie session has nothing for the app to keep.
      onTokens:
        onTokens && !this.cookieSession
          ? (tokens) => onTokens(tokens as TokenPair | null)
          : undefined,
      onEnded: () => this.endSession(),
      refreshLeewayMs: options.refreshLeewayMs ?? 30_000,
      backoff,
    });
    this.http = new ParleyHttpClient({
      baseUrl: options.baseUrl,
      fetch: options.fetch,
      credentials: this.cookieSession ? 'include' : undefined,
      getAccessToken: () => this.session.accessToken,
      refreshAccessToken: (rejectedToken) => this.session.freshAccessToken(rejectedToken),
    });
    this.connection = new Connection({
      baseUrl: options.baseUrl,
      socketOptions: options.socketOptions,
      session: this.session,
      backoff,
      onConnected: () => this.sync.start(),
      onDisconnected: () => {
        this.sync.stop();
        this.outboxQueue.suspend();
      },
      onStatus: (status) => {
        this.emit('status', status);
        if (status === 'connected') this.outboxQueue.resume();
      },
    });
    this.socket = this.connection.socket;
    this.command = socketCommand(this.socket, options.ackTimeoutMs ?? 10_000);
    this.outboxQueue = new Outbox({
      transmit: async (payload) => (await this.command('message:send', payload)).message,
      deliver: (message) => this.sync.acceptSent(message),
      // A snapshot per change would cost a load generator's burst O(n^2) copies: only on demand.
      onChange: () => {
        if (this.hasListeners('outbox')) this.emit('outbox', this.outbox);
      },
      backoff,
      maxAttempts: options.maxSendAttempts ?? 5,
    });
    this.sync = new SyncLoop({
      command: this.command,
      isConnected: () => this.socket.connected,
      cursors: options.cursors,
      limit: options.syncLimit,
      backoff,
      outbox: this.outboxQueue,
      onReleased: (messages) => {
        for (const message of messages) this.emit('message', message);
      },
      onUpdated: (messages) => {
        for (const message of messages) this.emit('messageUpdated', message);
      },
      onRemoved: (conversationId) => this.emit('removed', { conversationId }),
      onCaughtUp: () => this.connection.caughtUp(),
    });
    this.listenToSocket();
  }

  /** The signed-in user's id, from the access token; null when signed out. */
  get userId(): string | null {
    return this.session.userId;
  }

  /** The user of the last `login`/`register` (null after a start from stored tokens: see `http.me()`). */
  get user(): User | null {
    return this.currentUser;
  }

  get status(): ConnectionStatus {
    return this.connection.status;
  }

  /**
   * Messages not yet confirmed by the server, oldest first. A confirmed message leaves right
   * after its `message` event (see {@link ParleyClientEvents.message}). The same array until the
   * next `outbox` event, so it can be compared by identity.
   */
  get outbox(): readonly OutboxEntry[] {
    return this.outboxQueue.entries;
  }

  /**
   * Per conversation, the seq up to which the client holds every message, and the rev up to
   * which it holds every change to them. Store them with the tokens and pass them as `cursors`
   * next time: sync then brings only what was missed, messages and changes.
   */
  cursors(): SyncCursor[] {
    return this.sync.cursors();
  }

  /** Creates an account and signs in with it. */
  async register(body: RegisterBody): Promise<User> {
    return this.startSession(await this.http.register({ ...body, ...this.sessionMode() }));
  }

  async login(body: LoginBody): Promise<User> {
    return this.startSession(await this.http.login({ ...body, ...this.sessionMode() }));
  }

  /**
   * A cookie session on a new page: gets an access token with the session cookie and resolves
   * with the user's id. Rejects like a refresh: a refused cookie (none, expired, revoked) also
   * ends the session (`signedOut`); a passing failure (network, 5xx, 429) leaves it to retry.
   * @example
   * const client = new ParleyClient({ baseUrl: location.origin, session: 'cookie' });
   * const userId = await client.resumeSession();
   */
  async resumeSession(): Promise<string> {
    await this.session.resume();
    return this.session.userId!;
  }

  /** Ends the session on the server and locally; pending sends are rejected with `CLOSED`. */
  async logout(): Promise<void> {
    const signedIn = this.session.accessToken !== null;
    const refreshToken = this.session.refreshToken;
    this.signOutLocally('Signed out');
    if (this.cookieSession && signedIn) await this.http.logout();
    else if (refreshToken) await this.http.logout(refreshToken);
  }

  /**
   * Signs out here without telling the server: another tab of this browser ended the cookie
   * session they share (its logout also cleared the cookie).
   */
  forgetSession(): void {
    this.signOutLocally('Signed out in another tab');
  }

  /**
   * Connects the socket and keeps it connected (reconnecting, refreshing the token, syncing)
   * until `disconnect()`, `close()`, `logout()` or the end of the session. Resolves once
   * connected and caught up; rejects if the client stops trying first.
   * @example await client.connect();
   */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new ParleySocketError('CLOSED', 'The client is closed'));
    return this.connection.connect();
  }

  /**
   * Closes the socket and stops reconnecting; the session and the outbox stay (queued messages
   * go out after the next `connect()`).
   */
  disconnect(): void {
    this.connection.disconnect();
  }

  /** Stops everything, timers included; pending sends are rejected with `CLOSED`. */
  close(): void {
    this.closed = true;
    this.disconnect();
    this.session.stop();
    this.outboxQueue.clear(new ParleySocketError('CLOSED', 'The client is closed'));
  }

  /**
   * Sends a message: it waits in the outbox until the server confirms it, through disconnects
   * and retries, always with the same `clientMsgId` (and the same `replyToSeq` and `mentions`).
   * Resolves with the stored message at the ack; the app shows it from its `message` event,
   * which comes in seq order. Rejects with a ParleySocketError: `VALIDATION` (also for a
   * `replyToSeq` that is not an earlier message, or a mention of a non-member), `NOT_FOUND`,
   * `FORBIDDEN` (dropped), `CANCELLED`, `CLOSED`, or the last transient error once
   * `maxSendAttempts` are spent (the entry stays as `failed`: see `retrySend`, `cancelSend`).
   * @example
   * const message = await client.send(conversationId, 'Hello!');
   * await client.send(conversationId, '@bob see above', { replyToSeq: 41, mentions: [bobId] });
   */
  send(conversationId: string, content: string, options: SendOptions = {}): Promise<Message> {
    if (this.closed) return Promise.reject(new ParleySocketError('CLOSED', 'The client is closed'));
    // Queued while signed out, it would go out as whoever signs in next.
    if (!this.session.accessToken) {
      return Promise.reject(new ParleySocketError('CLOSED', 'Sign in before sending'));
    }
    const payload = {
      conversationId,
      content,
      clientMsgId: newClientMsgId(),
      ...(options.replyToSeq === undefined ? {} : { replyToSeq: options.replyToSeq }),
      ...(options.mentions === undefined ? {} : { mentions: [...options.mentions] }),
    };
    const invalid = firstIssue(sendMessagePayloadSchema.safeParse(payload));
    if (invalid) return Promise.reject(new ParleySocketError('VALIDATION', invalid));
    return this.outboxQueue.enqueue(payload);
  }

  /** Sends a `failed` outbox entry again; resolves like `send`. */
  retrySend(clientMsgId: string): Promise<Message> {
    return this.outboxQueue.retry(clientMsgId);
  }

  /**
   * Drops an outbox entry and rejects its send with `CANCELLED`. An entry transmitted before
   * may have been stored already: then it still arrives as a `message`.
   */
  cancelSend(clientMsgId: string): boolean {
    return this.outboxQueue.cancel(clientMsgId);
  }

  /**
   * Replaces the text and the mentions of one of the user's own messages (mentions left out:
   * the edited message mentions nobody). Resolves with the edited message, which the client
   * also announces as `messageUpdated`. Not queued: rejects with a ParleySocketError when
   * offline (`DISCONNECTED`), `FORBIDDEN` for someone else's message, `VALIDATION` for a
   * deleted message or bad content, `NOT_FOUND`.
   * @example await client.editMessage(conversationId, 42, 'Fixed the typo', [bobId]);
   */
  async editMessage(
    conversationId: string,
    seq: number,
    content: string,
    mentions?: readonly string[],
  ): Promise<Message> {
    const payload = {
      conversationId,
      seq,
      content,
      ...(mentions === undefined ? {} : { mentions: [...mentions] }),
    };
    return this.change(editMessagePayloadSchema.safeParse(payload), () =>
      this.command('message:edit', payload),
    );
  }

  /**
   * Deletes a message: it stays in its place as a tombstone (`deletedAt` set, `content` empty,
   * no mentions, reactions or attachments). The sender may delete it, and in a group its owner
   * and admins (else `FORBIDDEN`); deleting a tombstone answers it as it is. Resolves with the
   * tombstone, which the client also announces as `messageUpdated`. Not queued (like
   * `editMessage`).
   * @example await client.deleteMessage(conversationId, 42);
   */
  async deleteMessage(conversationId: string, seq: number): Promise<Message> {
    const payload = { conversationId, seq };
    return this.change(deleteMessagePayloadSchema.safeParse(payload), () =>
      this.command('message:delete', payload),
    );
  }

  /**
   * Puts the user's reaction `emoji` on a message (`on: true`) or takes it back (`on: false`).
   * On twice is once, and off when it was not on changes nothing: both answer the message as
   * it is. Resolves with the message, which the client also announces as `messageUpdated` when
   * it changed. `VALIDATION` for a tombstone, for text that is no emoji, or past 20 distinct
   * emojis on the message. Not queued (like `editMessage`).
   * @example
   * const mine = message.reactions.find((reaction) => reaction.emoji === '👍');
   * await client.react(conversationId, message.seq, '👍', !mine?.userIds.includes(client.userId!));
   */
  async react(conversationId: string, seq: number, emoji: string, on: boolean): Promise<Message> {
    const payload = { conversationId, seq, emoji, on };
    return this.change(reactPayloadSchema.safeParse(payload), () =>
      this.command('message:react', payload),
    );
  }

  /** Moves the user's delivered watermark up to `seq`. */
  async markDelivered(conversationId: string, seq: number): Promise<void> {
    await this.command('message:delivered', { conversationId, seq });
  }

  /**
   * Moves the user's read watermark up to `seq`; resolves with the conversation's new unread
   * count and mention count (unread messages that mention the user).
   */
  async markRead(
    conversationId: string,
    seq: number,
  ): Promise<{ unreadCount: number; mentionCount: number }> {
    const { unreadCount, mentionCount } = await this.command('message:read', {
      conversationId,
      seq,
    });
    return { unreadCount, mentionCount };
  }

  /** Joins the conversation's room (e.g. right after being added); `NOT_FOUND` for non-members. */
  async joinConversation(conversationId: string): Promise<void> {
    await this.command('conversation:join', { conversationId });
  }

  async setTyping(conversationId: string, isTyping: boolean): Promise<void> {
    await this.command('typing', { conversationId, isTyping });
  }

  /**
   * Emits a change once its payload passed the same checks as the server's, and hands the
   * changed message to the ledger: the app hears of it at once, not only at the live echo.
   */
  private async change(
    validation: Validation,
    emit: () => Promise<{ message: Message }>,
  ): Promise<Message> {
    const invalid = firstIssue(validation);
    if (invalid) throw new ParleySocketError('VALIDATION', invalid);
    const { message } = await emit();
    this.sync.acceptChange(message);
    return message;
  }

  private sessionMode(): { session?: 'cookie' } {
    return this.cookieSession ? { session: 'cookie' } : {};
  }

  private startSession(response: { user: User } & TokenResponse): User {
    if (this.session.userId && this.session.userId !== response.user.id) {
      this.signOutLocally('Signed in as another user');
    }
    this.currentUser = response.user;
    this.session.start(response);
    return response.user;
  }

  /** The server refused the refresh token. */
  private endSession(): void {
    this.signOutLocally('The session ended');
    this.emit('signedOut');
  }

  private signOutLocally(reason: string): void {
    this.disconnect();
    this.outboxQueue.clear(new ParleySocketError('CLOSED', reason));
    this.session.clear();
    this.currentUser = null;
    this.sync.reset();
  }

  private listenToSocket(): void {
    const socket = this.socket;
    socket.on('resync', () => this.sync.request());
    socket.on('message:new', (message) => this.sync.acceptLive(message));
    socket.on('message:updated', (message) => this.sync.acceptChange(message));
    socket.on('receipt:update', (update) => this.emit('receipt', update));
    socket.on('unread:update', (update) => this.emit('unread', update));
    socket.on('conversation:updated', (update) => this.emit('conversation', update));
    socket.on('conversation:removed', ({ conversationId }) => this.sync.forget(conversationId));
    socket.on('typing', (event) => this.emit('typing', event));
    socket.on('presence', (event) => this.emit('presence', event));
  }
}

/** What a zod `safeParse` answers, as far as the client reads it. */
interface Validation {
  success: boolean;
  error?: { issues: { message: string; path?: PropertyKey[] }[] };
}

/** The first complaint of a schema check, or undefined when the value passed. */
function firstIssue(validation: Validation): string | undefined {
  if (validation.success) return undefined;
  const issue = validation.error?.issues[0];
  if (!issue) return 'Invalid payload';
  const field = issue.path?.map(String).join('.');
  return field ? `${field}: ${issue.message}` : issue.message;
}
