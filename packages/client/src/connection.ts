import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { ParleySession } from './session.js';
import type { ParleySocket } from './socket-commands.js';
import { ParleySocketError } from './socket-error.js';

/**
 * - `connecting`: first connection after `connect()`;
 * - `connected`: connected and caught up (the sync after connecting finished), sends flow;
 * - `reconnecting`: the connection dropped (or the token expired) and is being restored;
 * - `disconnected`: not connected and not trying (before `connect()`, after `disconnect()`,
 *   `close()`, `logout()` or the end of the session).
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface ConnectionOptions {
  baseUrl: string;
  /** Given to socket.io-client under the options the connection sets itself. */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** Gives every handshake its access token, and a fresh one when the server refused it. */
  session: ParleySession;
  backoff: BackoffOptions;
  /** The socket connected: catch up, then call {@link Connection.caughtUp}. */
  onConnected: () => void;
  /** The socket is gone, or the app disconnects: stop whatever needs it. */
  onDisconnected: () => void;
  onStatus: (status: ConnectionStatus) => void;
}

/**
 * Keeps the socket connected while the app wants it: socket.io-client reconnects by itself
 * after a network loss; the rest is repaired here with backoff: a disconnect by the server
 * (`auth:expired` first: with a fresh token) and a handshake the server's middleware refused.
 */
export class Connection {
  readonly socket: ParleySocket;

  private currentStatus: ConnectionStatus = 'disconnected';
  /** The app wants a connection: reconnect whenever it is lost. */
  private wanted = false;
  /** The token the current (or last) handshake was made with. */
  private handshakeToken: string | null = null;
  /** The server announced `auth:expired`: its disconnect is ours to repair. */
  private authExpired = false;
  private unauthorizedHandshakes = 0;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** `connect()` calls waiting for `connected` (or for the client to stop trying). */
  private waiting: { resolve: () => void; reject: (error: ParleySocketError) => void }[] = [];

  constructor(private readonly options: ConnectionOptions) {
    const { backoff, session } = options;
    this.socket = io(options.baseUrl, {
      ...options.socketOptions,
      autoConnect: false,
      // Each client owns its connection: io() would otherwise share one per URL.
      forceNew: true,
      reconnectionDelay: backoff.initialDelayMs,
      reconnectionDelayMax: backoff.maxDelayMs,
      randomizationFactor: backoff.randomizationFactor,
      // A function, so that every (re)connection presents the token current at that moment.
      auth: (send) => {
        this.handshakeToken = session.accessToken;
        send({ token: this.handshakeToken });
      },
    });
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on('connect_error', (error) => this.onConnectError(error));
    this.socket.on('auth:expired', () => {
      this.authExpired = true;
    });
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** Connects and keeps connecting until `disconnect()`; resolves once caught up. */
  connect(): Promise<void> {
    if (!this.options.session.accessToken) {
      return Promise.reject(new ParleySocketError('CLOSED', 'Sign in before connecting'));
    }
    if (this.currentStatus === 'connected') return Promise.resolve();
    const connected = new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
    });
    if (!this.wanted) {
      this.wanted = true;
      this.setStatus('connecting');
      this.socket.connect();
    }
    return connected;
  }

  /** Closes the socket and stops reconnecting. */
  disconnect(): void {
    this.wanted = false;
    this.options.onDisconnected();
    this.cancelReconnect();
    this.socket.disconnect();
    this.setStatus('disconnected');
  }

  /** The sync after connecting finished: the connection is `connected`. */
  caughtUp(): void {
    this.setStatus('connected');
  }

  private onConnect(): void {
    this.unauthorizedHandshakes = 0;
    this.reconnectAttempts = 0;
    this.authExpired = false;
    this.options.onConnected();
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    this.options.onDisconnected();
    this.cancelReconnect();
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
      await this.options.session.freshAccessToken(this.handshakeToken);
    } catch {
      // The session ended (the client has stopped everything) or the refresh failed for a
      // passing reason: try again later.
      if (this.wanted) this.scheduleReconnect(() => void this.reconnectWithFreshToken());
      return;
    }
    if (this.wanted) this.socket.connect();
  }

  private scheduleReconnect(reconnect: () => void): void {
    this.cancelReconnect();
    this.reconnectTimer = setTimeout(
      () => {
        this.reconnectTimer = null;
        if (this.wanted) reconnect();
      },
      backoffDelay(this.reconnectAttempts++, this.options.backoff),
    );
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.options.onStatus(status);
    if (status === 'connected' || status === 'disconnected') {
      const waiting = this.waiting.splice(0);
      for (const waiter of waiting) {
        if (status === 'connected') waiter.resolve();
        else waiter.reject(new ParleySocketError('CLOSED', 'The client stopped connecting'));
      }
    }
  }
}
