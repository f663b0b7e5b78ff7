import type {
  AddMemberBody,
  AuthResponse,
  AuthTokenResponse,
  Conversation,
  ConversationPage,
  CreateConversationBody,
  HttpErrorBody,
  LoginBody,
  Message,
  MessagePage,
  PrivacySettings,
  PrivacySettingsPatch,
  ReadResult,
  RegisterBody,
  TokenPair,
  TokenResponse,
  User,
} from '@parley/protocol';

/** A REST call that answered with a non-2xx status, carrying the contract's error body. */
export class ParleyApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: HttpErrorBody,
  ) {
    super(body.message);
    this.name = 'ParleyApiError';
  }
}

export interface ParleyHttpClientOptions {
  /** Base URL of a Parley API node, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** Returns the current access token for authenticated routes. */
  getAccessToken?: () => string | null;
  /**
   * Called when an authenticated route answers 401; returns an access token to retry the
   * request with once (see `ParleySession.freshAccessToken`).
   */
  refreshAccessToken?: (rejectedToken: string) => Promise<string>;
  /**
   * The `credentials` of the auth routes' requests; `'include'` for a cookie session with an API
   * on another origin (the browser default, `'same-origin'`, suffices on the same origin).
   */
  credentials?: RequestCredentials;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * A page of conversations: `before` is the `nextCursor` of the previous page; `requests: true`
 * lists only the message requests the caller received (left out otherwise).
 */
export type ConversationPageQuery = { limit?: number; before?: string; requests?: boolean };

/**
 * A page of history: the latest messages (`{}`), the ones before a seq (`{before}`), or the ones
 * after a seq (`{after}`), ascending by seq.
 */
export type MessageHistoryQuery =
  | { limit?: number; before?: number; after?: never }
  | { limit?: number; after?: number; before?: never };

/**
 * Typed wrapper over the REST routes of the wire contract.
 * @example
 * const http = new ParleyHttpClient({ baseUrl: 'http://localhost:3000' });
 * const { user, accessToken } = await http.login({ username: 'alice', password: 'secret-pw' });
 */
export class ParleyHttpClient {
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ParleyHttpClientOptions) {
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** With `session: 'cookie'` the refresh token goes into the server's HttpOnly cookie instead. */
  register(body: RegisterBody & { session: 'cookie' }): Promise<AuthTokenResponse>;
  register(body: RegisterBody): Promise<AuthResponse>;
  register(body: RegisterBody): Promise<AuthTokenResponse> {
    return this.request('POST', '/auth/register', body, { authenticated: false });
  }

  /** With `session: 'cookie'` the refresh token goes into the server's HttpOnly cookie instead. */
  login(body: LoginBody & { session: 'cookie' }): Promise<AuthTokenResponse>;
  login(body: LoginBody): Promise<AuthResponse>;
  login(body: LoginBody): Promise<AuthTokenResponse> {
    return this.request('POST', '/auth/login', body, { authenticated: false });
  }

  refresh(refreshToken: string): Promise<TokenPair> {
    return this.request('POST', '/auth/refresh', { refreshToken }, { authenticated: false });
  }

  /** Refreshes the cookie session: the server rotates the cookie and answers the access token. */
  refreshFromCookie(): Promise<TokenResponse> {
    return this.request('POST', '/auth/refresh', { session: 'cookie' }, { authenticated: false });
  }

  /** Ends the session of `refreshToken`, or without one the cookie session. */
  logout(refreshToken?: string): Promise<void> {
    return this.request('POST', '/auth/logout', { refreshToken }, { authenticated: false });
  }

  me(): Promise<User> {
    return this.request('GET', '/users/me');
  }

  /**
   * People whose username or display name starts with `search` (at least 2 characters, else
   * the server answers 400), at most 20 of them; searches are rate limited per user (429).
   * @example await client.http.searchUsers('al') // [{ id, username: 'alice', ... }]
   */
  searchUsers(search: string, limit = 20): Promise<User[]> {
    const query = new URLSearchParams({ search, limit: String(limit) });
    return this.request('GET', `/users?${query.toString()}`);
  }

  /**
   * The caller's conversations, newest activity first; pass `nextCursor` as `before` for the
   * next page.
   * @example const { conversations, nextCursor } = await http.listConversations({ limit: 20 });
   */
  listConversations(query: ConversationPageQuery = {}): Promise<ConversationPage> {
    const { requests, ...rest } = query;
    return this.request(
      'GET',
      `/conversations${queryString({ ...rest, requests: requests ? 'true' : undefined })}`,
    );
  }

  /** Accepts a message request the caller received; it joins the ordinary conversation list. */
  acceptRequest(conversationId: string): Promise<Conversation> {
    return this.request('POST', `/conversations/${encodeURIComponent(conversationId)}/accept`);
  }

  /** Hides a message request from the caller for good; its opener is not told. */
  declineRequest(conversationId: string): Promise<void> {
    return this.request('POST', `/conversations/${encodeURIComponent(conversationId)}/decline`);
  }

  /** The caller's privacy settings (who sees their presence, who may message or add them). */
  getPrivacy(): Promise<PrivacySettings> {
    return this.request('GET', '/users/me/privacy');
  }

  /**
   * Changes some privacy settings and answers all of them.
   * @example await http.updatePrivacy({ presence: 'contacts', directMessages: 'requests' });
   */
  updatePrivacy(patch: PrivacySettingsPatch): Promise<PrivacySettings> {
    return this.request('PATCH', '/users/me/privacy', patch);
  }

  /**
   * Opens a direct conversation (the existing one of that pair, if any) or creates a group
   * owned by the caller.
   * @example await http.createConversation({ type: 'group', name: 'Team', memberIds: [bobId] });
   */
  createConversation(body: CreateConversationBody): Promise<Conversation> {
    return this.request('POST', '/conversations', body);
  }

  getConversation(conversationId: string): Promise<Conversation> {
    return this.request('GET', `/conversations/${encodeURIComponent(conversationId)}`);
  }

  /** Renames a group; owner or admin only. */
  renameConversation(conversationId: string, name: string): Promise<Conversation> {
    return this.request('PATCH', `/conversations/${encodeURIComponent(conversationId)}`, { name });
  }

  /** Adds a member to a group; owner or admin only. */
  addMember(conversationId: string, body: AddMemberBody): Promise<Conversation> {
    return this.request(
      'POST',
      `/conversations/${encodeURIComponent(conversationId)}/members`,
      body,
    );
  }

  /** Removes a member (owner or admin), or leaves when `userId` is the caller's own id. */
  removeMember(conversationId: string, userId: string): Promise<void> {
    return this.request(
      'DELETE',
      `/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(userId)}`,
    );
  }

  /**
   * A page of a conversation's messages, ascending by seq.
   * @example
   * const latest = await http.getMessages(conversationId);
   * const older = await http.getMessages(conversationId, { before: latest.messages[0].seq });
   */
  getMessages(conversationId: string, query: MessageHistoryQuery = {}): Promise<MessagePage> {
    return this.request(
      'GET',
      `/conversations/${encodeURIComponent(conversationId)}/messages${queryString(query)}`,
    );
  }

  /**
   * One message by its seq, as it is now (a deleted one as its tombstone); 404 for a seq that
   * does not exist or a conversation the caller is not a member of. For a quoted message
   * (`replyToSeq`) the client does not hold. A message the app also gets from events: keep the
   * state with the higher `rev` (see `latestMessageState`).
   * @example const quoted = await client.http.getMessage(conversationId, message.replyToSeq);
   */
  getMessage(conversationId: string, seq: number): Promise<Message> {
    return this.request(
      'GET',
      `/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(seq)}`,
    );
  }

  /**
   * Moves the caller's read watermark up to `seq` (never backwards); answers the new unread and
   * mention counts.
   */
  markRead(conversationId: string, seq: number): Promise<ReadResult> {
    return this.request('POST', `/conversations/${encodeURIComponent(conversationId)}/read`, {
      seq,
    });
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    { authenticated = true }: { authenticated?: boolean } = {},
  ): Promise<T> {
    const token = authenticated ? (this.options.getAccessToken?.() ?? null) : null;
    let response = await this.send(method, path, body, token);
    if (response.status === 401 && token && this.options.refreshAccessToken) {
      const freshToken = await this.options.refreshAccessToken(token);
      response = await this.send(method, path, body, freshToken);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (!response.ok) throw new ParleyApiError(response.status, errorBody(response, text));
    return JSON.parse(text) as T;
  }

  private send(method: string, path: string, body: unknown, token: string | null) {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    return this.fetchFn(new URL(path, this.options.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The cookie session's cookie is scoped to /auth: only those requests need it.
      ...(this.options.credentials && path.startsWith('/auth/')
        ? { credentials: this.options.credentials }
        : {}),
    });
  }
}

function queryString(query: Record<string, string | number | undefined>): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) parameters.set(key, String(value));
  }
  const text = parameters.toString();
  return text ? `?${text}` : '';
}

/** The contract's error body, or one made up from the status when a proxy answered instead. */
function errorBody(response: Response, text: string): HttpErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
      return parsed as HttpErrorBody;
    }
  } catch {
    // Not JSON: fall through.
  }
  return {
    statusCode: response.status,
    error: response.statusText,
    message: text || response.statusText,
  };
}
