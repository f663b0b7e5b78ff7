import type { TokenResponse } from '@parley/protocol';
import { decodeAccessToken, refreshDelayMs } from './access-token.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { ParleyApiError } from './http-client.js';

export interface ParleySessionOptions {
  /** Tokens the app kept from an earlier run; null: signed out until `start` or `resume`. */
  tokens: TokenResponse | null;
  /**
   * `POST /auth/refresh` with the session's refresh token; without one (a cookie session, whose
   * refresh token the server keeps in a cookie) from the cookie.
   */
  refreshTokens: (refreshToken: string | undefined) => Promise<TokenResponse>;
  /** Called with every new token pair (null once signed out), for the app to persist. */
  onTokens?: (tokens: TokenResponse | null) => void;
  /** Called once the server refused the refresh token: the session is over. */
  onEnded: () => void;
  /** How long before the access token expires to refresh it. */
  refreshLeewayMs: number;
  /** Delays between refresh attempts that failed for a passing reason (network, 5xx, 429). */
  backoff: BackoffOptions;
}

/**
 * The signed-in session: the token pair, refreshed shortly before the access token expires and
 * on demand. Refreshes are coalesced into one request: refresh tokens rotate, and the server
 * treats a second use of a spent one as theft and revokes the whole session.
 */
export class ParleySession {
  private tokens: TokenResponse | null;
  private refreshing: Promise<string> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private failedRefreshes = 0;
  /** Bumped when the session starts or is cleared: a refresh of an older session is void. */
  private generation = 0;
  private stopped = false;

  constructor(private readonly options: ParleySessionOptions) {
    this.tokens = options.tokens;
    if (this.tokens) this.scheduleRefresh(false);
  }

  get accessToken(): string | null {
    return this.tokens?.accessToken ?? null;
  }

  get refreshToken(): string | null {
    return this.tokens?.refreshToken ?? null;
  }

  /** The signed-in user's id (the access token's `sub`). */
  get userId(): string | null {
    return (this.tokens && decodeAccessToken(this.tokens.accessToken)?.sub) ?? null;
  }

  /** Starts a session with the tokens of a login or registration. */
  start(tokens: TokenResponse): void {
    this.generation++;
    this.refreshing = null;
    this.stopped = false;
    this.store(tokens, true);
  }

  /** Forgets the tokens (logout, or the session ended). */
  clear(): void {
    this.generation++;
    this.refreshing = null;
    this.cancelRefreshTimer();
    const hadTokens = this.tokens !== null;
    this.tokens = null;
    if (hadTokens) this.options.onTokens?.(null);
  }

  /**
   * Stops the refresh timer for good. A refresh already in flight still stores and reports
   * its tokens: the refresh token it spent is gone, so the app must persist the new one.
   */
  stop(): void {
    this.stopped = true;
    this.cancelRefreshTimer();
  }

  /**
   * An access token other than `rejectedToken`: the current one if a refresh already replaced
   * `rejectedToken`, otherwise a freshly refreshed one.
   * @example
   * // the server answered 401 to a request made with `token`
   * const freshToken = await session.freshAccessToken(token);
   */
  freshAccessToken(rejectedToken: string | null): Promise<string> {
    const current = this.accessToken;
    if (current && current !== rejectedToken) return Promise.resolve(current);
    return this.refresh();
  }

  /** Refreshes the token pair; concurrent calls share one request. */
  refresh(): Promise<string> {
    return this.startRefresh(false);
  }

  /**
   * Refreshes even without tokens: a cookie session lives on in the browser's cookie across page
   * loads, while its access token lived in the page's memory only.
   */
  resume(): Promise<string> {
    return this.startRefresh(true);
  }

  private startRefresh(withoutTokens: boolean): Promise<string> {
    if (this.refreshing) return this.refreshing;
    const refreshing = this.performRefresh(withoutTokens);
    this.refreshing = refreshing;
    const settle = () => {
      if (this.refreshing === refreshing) this.refreshing = null;
    };
    refreshing.then(settle, settle);
    return refreshing;
  }

  private async performRefresh(withoutTokens: boolean): Promise<string> {
    const tokens = this.tokens;
    if (!tokens && !withoutTokens) throw new Error('Not signed in: there is no session to refresh');
    const generation = this.generation;
    let rotated: TokenResponse;
    try {
      rotated = await this.options.refreshTokens(tokens?.refreshToken);
    } catch (error) {
      if (generation === this.generation) {
        if (isSessionRejected(error)) {
          this.clear();
          this.options.onEnded();
        } else {
          this.scheduleRetry();
        }
      }
      throw error;
    }
    if (generation !== this.generation) {
      throw new Error('The session was cleared or replaced during the refresh');
    }
    this.failedRefreshes = 0;
    this.store(rotated, true);
    return rotated.accessToken;
  }

  private store(tokens: TokenResponse, issuedJustNow: boolean): void {
    this.tokens = tokens;
    this.options.onTokens?.(tokens);
    this.scheduleRefresh(issuedJustNow);
  }

  private scheduleRefresh(issuedJustNow: boolean): void {
    const claims = this.tokens && decodeAccessToken(this.tokens.accessToken);
    const delay =
      claims &&
      refreshDelayMs(claims, {
        now: Date.now(),
        issuedJustNow,
        leewayMs: this.options.refreshLeewayMs,
      });
    if (delay !== null && delay !== undefined) this.setRefreshTimer(delay);
  }

  private scheduleRetry(): void {
    this.setRefreshTimer(backoffDelay(this.failedRefreshes++, this.options.backoff));
  }

  private setRefreshTimer(delayMs: number): void {
    this.cancelRefreshTimer();
    if (this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      // Failures are handled in performRefresh (retry or end the session).
      this.refresh().catch(() => undefined);
    }, delayMs);
    // A Node script that is done should exit without waiting for the next refresh.
    (this.refreshTimer as { unref?: () => void }).unref?.();
  }

  private cancelRefreshTimer(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }
}

/** A 4xx other than 408/429: the refresh token (or session cookie) will never work again. */
export function isSessionRejected(error: unknown): boolean {
  return (
    error instanceof ParleyApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}
