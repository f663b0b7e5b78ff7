import {
  messageContentSchema,
  uuidSchema,
  type Ack,
  type ClientToServerEvents,
  type ConversationUpdate,
  type LoginBody,
  type Message,
  type PresenceEvent,
  type ReceiptUpdate,
  type RegisterBody,
  type ServerToClientEvents,
  type SyncedConversation,
  type TokenPair,
  type TokenResponse,
  type TypingEvent,
  type UnreadUpdate,
  type User,
} from '@parley/protocol';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { newClientMsgId } from './client-msg-id.js';
import { ParleyHttpClient } from './http-client.js';
import { MessageLedger, type SyncCursor } from './message-ledger.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { ParleySession } from './session.js';
import { ParleySocketError } from './socket-error.js';
import { TypedEventEmitter } from './typed-event-emitter.js';

/**
 * - `connecting`: first connection after `connect()`;
 * - `connected`: connected and caught up (the sync after connecting finished), sends flow;
 * - `reconnecting`: the connection dropped (or the token expired) and is being restored;
 * - `disconnected`: not connected and not trying (before `connect()`, after `disconnect()`,
 *   `close()`, `logout()` or the end of the session).
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Events of {@link ParleyClient}. */
export interface ParleyClientEvents {
  /**
   * Every message of every conversation exactly once, the user's own included, in seq order
   * per conversation: live ones, ones sync brought after a reconnect, and sent ones.
   */
  message: (message: Message) => void;
  receipt: (update: ReceiptUpdate) => void;
  /** The user read on another device. */
  unread: (update: UnreadUpdate) => void;
  /**
   * A conversation changed or the user was added to one: the whole conversation as this user
   * sees it, or its shared form without `unreadCount` and `lastReadSeq` (keep yours; see
   * `mergeConversationUpdate`).
   */
  conversation: (update: ConversationUpdate) => void;
  /** The user is no longer a member. */
  removed: (event: { conversationId: string }) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  status: (status: ConnectionStatus) => void;
  /** The outbox changed; the argument is {@link ParleyClient.outbox}. */
  outbox: (entries: OutboxEntry[]) => void;
  /** The server refused to refresh the session (revoked or expired): sign in again. */
  signedOut: () => void;
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

type CommandName = keyof ClientToServerEvents;
type CommandPayload<Command extends CommandName> = Parameters<ClientToServerEvents[Command]>[0];
type CommandAck<Command extends CommandName> = Parameters<
  ClientToServerEvents[Command]
>[1] extends (response: infer Response) => void
  ? Response
  : never;
type CommandResult<Command extends CommandName> = Extract<CommandAck<Command>, { ok: true }>;
type SyncAnswer = CommandResult<'sync'>;

/** How long a gap in live messages may last before a sync fills it. */
const GAP_SYNC_DELAY_MS = 1000;
/** Extra sync rounds for gaps left after sync; past them, the gap is given up on. */
const MAX_GAP_SYNC_ROUNDS = 2;

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
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

  private readonly session: ParleySession;
  private readonly cookieSession: boolean;
  private readonly outboxQueue: Outbox;
  private ledger: MessageLedger;
  private readonly backoff: BackoffOptions;
  private readonly ackTimeoutMs: number;
  private readonly syncLimit: number | undefined;

  private currentUser: User | null = null;
  private currentStatus: ConnectionStatus = 'disconnected';
  /** The app wants a connection: reconnect whenever it is lost. */
  private wanted = false;
  private closed = false;
  /** Bumped on every connect and disconnect: work started for an earlier connection stops. */
  private connection = 0;
  private syncing = false;
  private syncAgain = false;
  /** The token the current (or last) handshake was made with. */
  private handshakeToken: string | null = null;
  /** The server announced `auth:expired`: its disconnect is ours to repair. */
  private authExpired = false;
  private unauthorizedHandshakes = 0;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private syncRetryTimer: ReturnType<typeof setTimeout> | null = null;
  private gapSyncTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: ParleyClientOptions) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.syncLimit = options.syncLimit;
    this.ledger = new MessageLedger(options.cursors);
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
      backoff: this.backoff,
    });
    this.http = new ParleyHttpClient({
      baseUrl: options.baseUrl,
      fetch: options.fetch,
      credentials: this.cookieSession ? 'include' : undefined,
      getAccessToken: () => this.session.accessToken,
      refreshAccessToken: (rejectedToken) => this.session.freshAccessToken(rejectedToken),
    });
    this.outboxQueue = new Outbox({
      transmit: async (payload) => (await this.command('message:send', payload)).message,
      onSent: (message) => this.acceptLive(message),
      // A snapshot per change would cost a load generator's burst O(n^2) copies: only on demand.
      onChange: () => {
        if (this.hasListeners('outbox')) this.emit('outbox', this.outbox);
      },
      backoff: this.backoff,
      maxAttempts: options.maxSendAttempts ?? 5,
    });
    this.socket = io(options.baseUrl, {
      ...options.socketOptions,
      autoConnect: false,
      // Each client owns its connection: io() would otherwise share one per URL.
      forceNew: true,
      reconnectionDelay: this.backoff.initialDelayMs,
      reconnectionDelayMax: this.backoff.maxDelayMs,
      randomizationFactor: this.backoff.randomizationFactor,
      // A function, so that every (re)connection presents the token current at that moment.
      auth: (send) => {
        this.handshakeToken = this.session.accessToken;
        send({ token: this.handshakeToken });
      },
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
    return this.currentStatus;
  }

  /** Messages not yet confirmed by the server, oldest first. */
  get outbox(): OutboxEntry[] {
    return this.outboxQueue.entries;
  }

  /**
   * Per conversation, the seq up to which the client holds every message. Store them with the
   * tokens and pass them as `cursors` next time: sync then brings only what was missed.
   */
  cursors(): SyncCursor[] {
    return this.ledger.cursors();
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
    if (!this.session.accessToken) {
      return Promise.reject(new ParleySocketError('CLOSED', 'Sign in before connecting'));
    }
    if (this.currentStatus === 'connected') return Promise.resolve();
    const connected = this.whenConnected();
    if (!this.wanted) {
      this.wanted = true;
      this.setStatus('connecting');
      this.socket.connect();
    }
    return connected;
  }

  /**
   * Closes the socket and stops reconnecting; the session and the outbox stay (queued messages
   * go out after the next `connect()`).
   */
  disconnect(): void {
    this.wanted = false;
    this.connection++;
    this.syncing = false;
    this.outboxQueue.suspend();
    this.cancelConnectionTimers();
    this.socket.disconnect();
    this.setStatus('disconnected');
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
   * and retries, always with the same `clientMsgId`. Resolves with the stored message; rejects
   * with a ParleySocketError: `VALIDATION`, `NOT_FOUND`, `FORBIDDEN` (dropped), `CANCELLED`,
   * `CLOSED`, or the last transient error once `maxSendAttempts` are spent (the entry stays as
   * `failed`: see `retrySend`, `cancelSend`).
   * @example const message = await client.send(conversationId, 'Hello!');
   */
  send(conversationId: string, content: string): Promise<Message> {
    if (this.closed) return Promise.reject(new ParleySocketError('CLOSED', 'The client is closed'));
    // Queued while signed out, it would go out as whoever signs in next.
    if (!this.session.accessToken) {
      return Promise.reject(new ParleySocketError('CLOSED', 'Sign in before sending'));
    }
    const invalid =
      (!uuidSchema.safeParse(conversationId).success && 'conversationId must be a UUID') ||
      messageContentSchema.safeParse(content).error?.issues[0]?.message;
    if (invalid) return Promise.reject(new ParleySocketError('VALIDATION', invalid));
    return this.outboxQueue.enqueue({ conversationId, content, clientMsgId: newClientMsgId() });
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

  /** Moves the user's delivered watermark up to `seq`. */
  async markDelivered(conversationId: string, seq: number): Promise<void> {
    await this.command('message:delivered', { conversationId, seq });
  }

  /** Moves the user's read watermark up to `seq`; resolves with the new unread count. */
  async markRead(conversationId: string, seq: number): Promise<{ unreadCount: number }> {
    const { unreadCount } = await this.command('message:read', { conversationId, seq });
    return { unreadCount };
  }

  /** Joins the conversation's room (e.g. right after being added); `NOT_FOUND` for non-members. */
  async joinConversation(conversationId: string): Promise<void> {
    await this.command('conversation:join', { conversationId });
  }

  async setTyping(conversationId: string, isTyping: boolean): Promise<void> {
    await this.command('typing', { conversationId, isTyping });
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
    this.ledger = new MessageLedger();
  }

  private listenToSocket(): void {
    const socket = this.socket;
    socket.on('connect', () => this.onConnect());
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.on('connect_error', (error) => this.onConnectError(error));
    socket.on('auth:expired', () => {
      this.authExpired = true;
    });
    socket.on('resync', () => this.requestSync());
    socket.on('message:new', (message) => this.acceptLive(message));
    socket.on('receipt:update', (update) => this.emit('receipt', update));
    socket.on('unread:update', (update) => this.emit('unread', update));
    socket.on('conversation:updated', (update) => this.emit('conversation', update));
    socket.on('conversation:removed', ({ conversationId }) => {
      this.ledger.forget(conversationId);
      this.emit('removed', { conversationId });
    });
    socket.on('typing', (event) => this.emit('typing', event));
    socket.on('presence', (event) => this.emit('presence', event));
  }

  private onConnect(): void {
    this.connection++;
    this.unauthorizedHandshakes = 0;
    this.reconnectAttempts = 0;
    this.authExpired = false;
    this.syncing = false;
    this.requestSync();
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    this.connection++;
    this.syncing = false;
    this.outboxQueue.suspend();
    this.cancelConnectionTimers();
    if (!this.wanted) return;
    this.setStatus('reconnecting');
    // socket.io-client reconnects by itself, except after a disconnect by the server.
    if (reason !== 'io server disconnect') return;
    if (this.authExpired) {
      this.authExpired = false;
      void this.reconnectWithFreshToken();
    } else {
      this.scheduleReconnect(() => this.socket.connect());
    }
  }

  private onConnectError(error: Error): void {
    // An active socket is retried by socket.io-client; an inactive one was refused by the
    // server's middleware and waits for us.
    if (!this.wanted || this.socket.active) return;
    if (error.message === 'unauthorized') {
      // A refused fresh token (clock skew, a server bug) must not spin: back off from the second.
      const refusals = this.unauthorizedHandshakes++;
      if (refusals === 0) void this.reconnectWithFreshToken();
      else this.scheduleReconnect(() => void this.reconnectWithFreshToken());
    } else {
      this.scheduleReconnect(() => this.socket.connect());
    }
  }

  private async reconnectWithFreshToken(): Promise<void> {
    try {
      await this.session.freshAccessToken(this.handshakeToken);
    } catch {
      // The session ended (endSession has stopped everything) or the refresh failed for a
      // passing reason: try again later.
      if (this.wanted) this.scheduleReconnect(() => void this.reconnectWithFreshToken());
      return;
    }
    if (this.wanted) this.socket.connect();
  }

  private scheduleReconnect(reconnect: () => void): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(
      () => {
        this.reconnectTimer = null;
        if (this.wanted) reconnect();
      },
      backoffDelay(this.reconnectAttempts++, this.backoff),
    );
  }

  private acceptLive(message: Message): void {
    this.release(this.ledger.acceptLive(message, { syncing: this.syncing }));
    if (!this.syncing && this.ledger.hasGaps() && !this.gapSyncTimer) {
      this.gapSyncTimer = setTimeout(() => {
        this.gapSyncTimer = null;
        if (this.ledger.hasGaps()) this.requestSync();
      }, GAP_SYNC_DELAY_MS);
    }
  }

  private requestSync(): void {
    if (!this.socket.connected) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    void this.synchronize(this.connection);
  }

  /**
   * Syncs until caught up: again while a conversation `hasMore` (and its cursor moved), while
   * gaps remain (a few rounds), and when a `resync` came in meanwhile. The first completed sync
   * of a connection sets the status to `connected` and lets the outbox send.
   */
  private async synchronize(connection: number): Promise<void> {
    this.syncing = true;
    let failures = 0;
    let gapRounds = 0;
    for (;;) {
      this.syncAgain = false;
      const cursorsBefore = new Map(
        this.ledger.cursors().map((cursor) => [cursor.conversationId, cursor.seq]),
      );
      let answer: SyncAnswer;
      try {
        answer = await this.command('sync', {
          cursors: [...cursorsBefore].map(([conversationId, seq]) => ({ conversationId, seq })),
          ...(this.syncLimit === undefined ? {} : { limit: this.syncLimit }),
        });
      } catch (error) {
        if (connection !== this.connection) return;
        const delayMs =
          error instanceof ParleySocketError && error.retryAfterMs !== undefined
            ? error.retryAfterMs
            : backoffDelay(failures++, this.backoff);
        await new Promise<void>((resume) => {
          this.syncRetryTimer = setTimeout(resume, delayMs);
        });
        if (connection !== this.connection) return;
        continue;
      }
      if (connection !== this.connection) return;
      failures = 0;
      this.mergeSync(answer);
      const advanced = answer.conversations.some(
        (synced) => synced.hasMore && this.cursorMoved(synced, cursorsBefore),
      );
      const retryGaps = !advanced && this.ledger.hasGaps() && gapRounds++ < MAX_GAP_SYNC_ROUNDS;
      if (!advanced && !retryGaps && !this.syncAgain) break;
    }
    this.release(this.ledger.releaseHeldBack());
    this.syncing = false;
    if (this.currentStatus !== 'connected') {
      this.setStatus('connected');
      this.outboxQueue.resume();
    }
  }

  private mergeSync(answer: SyncAnswer): void {
    for (const synced of answer.conversations) {
      this.release(this.ledger.acceptSynced(synced.conversationId, synced.messages));
    }
    for (const conversationId of answer.removed) {
      this.ledger.forget(conversationId);
      this.emit('removed', { conversationId });
    }
  }

  private cursorMoved(synced: SyncedConversation, cursorsBefore: Map<string, number>): boolean {
    const after = this.ledger
      .cursors()
      .find((cursor) => cursor.conversationId === synced.conversationId);
    return after !== undefined && after.seq > (cursorsBefore.get(synced.conversationId) ?? -1);
  }

  private release(messages: Message[]): void {
    for (const message of messages) this.emit('message', message);
  }

  /** Emits a command with the ack timeout; resolves with a positive ack, throws otherwise. */
  private async command<Command extends CommandName>(
    event: Command,
    payload: CommandPayload<Command>,
  ): Promise<CommandResult<Command>> {
    // socket.io would buffer it and send it after a reconnect, long after the caller gave up
    // (a stale "typing", a send the outbox already retries): refuse it now instead.
    if (!this.socket.connected) {
      throw new ParleySocketError('DISCONNECTED', `Not connected: ${event} was not sent`);
    }
    // emitWithAck's typings cannot follow a generic event name; the map above keeps it typed.
    const emitWithAck = this.socket.timeout(this.ackTimeoutMs).emitWithAck as (
      event: Command,
      payload: CommandPayload<Command>,
    ) => Promise<Ack | undefined>;
    let ack: Ack | undefined;
    try {
      ack = await emitWithAck.call(this.socket, event, payload);
    } catch (error) {
      const timedOut = error instanceof Error && error.message === 'operation has timed out';
      throw timedOut
        ? new ParleySocketError('TIMEOUT', `No answer to ${event} within ${this.ackTimeoutMs} ms`)
        : new ParleySocketError('DISCONNECTED', `Disconnected before the answer to ${event}`);
    }
    if (ack?.ok === true) return ack as CommandResult<Command>;
    if (ack?.ok === false) {
      throw new ParleySocketError(ack.error.code, ack.error.message, ack.error.retryAfterMs);
    }
    throw new ParleySocketError('INTERNAL', `Malformed answer to ${event}`);
  }

  private whenConnected(): Promise<void> {
    return new Promise((resolve, reject) => {
      const stop = this.on('status', (status) => {
        if (status === 'connected') {
          stop();
          resolve();
        } else if (status === 'disconnected') {
          stop();
          reject(new ParleySocketError('CLOSED', 'The client stopped connecting'));
        }
      });
    });
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status);
  }

  private cancelConnectionTimers(): void {
    for (const timer of [this.reconnectTimer, this.syncRetryTimer, this.gapSyncTimer]) {
      if (timer) clearTimeout(timer);
    }
    this.reconnectTimer = null;
    this.syncRetryTimer = null;
    this.gapSyncTimer = null;
  }
}
