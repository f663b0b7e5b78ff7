import type {
  AuthResponse,
  HttpErrorBody,
  LoginBody,
  RegisterBody,
  TokenPair,
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
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

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

  register(body: RegisterBody): Promise<AuthResponse> {
    return this.request('POST', '/auth/register', body);
  }

  login(body: LoginBody): Promise<AuthResponse> {
    return this.request('POST', '/auth/login', body);
  }

  refresh(refreshToken: string): Promise<TokenPair> {
    return this.request('POST', '/auth/refresh', { refreshToken });
  }

  logout(refreshToken: string): Promise<void> {
    return this.request('POST', '/auth/logout', { refreshToken });
  }

  me(): Promise<User> {
    return this.request('GET', '/users/me');
  }

  searchUsers(search: string, limit = 20): Promise<User[]> {
    const query = new URLSearchParams({ search, limit: String(limit) });
    return this.request('GET', `/users?${query.toString()}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = this.options.getAccessToken?.();
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await this.fetchFn(new URL(path, this.options.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const payload: unknown = await response.json();
    if (!response.ok) throw new ParleyApiError(response.status, payload as HttpErrorBody);
    return payload as T;
  }
}
