import type { AccessTokenClaims } from '@parley/protocol';

/**
 * Reads the claims of a JWT without verifying it: the client only needs `exp` to know when to
 * refresh and `sub` to know who it is; the server verifies every token it receives.
 * @example decodeAccessToken(accessToken)?.sub // the user id
 */
export function decodeAccessToken(token: string): Partial<AccessTokenClaims> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null
      ? (claims as Partial<AccessTokenClaims>)
      : null;
  } catch {
    return null;
  }
}

/** The share of a token's lifetime kept in reserve when `refreshLeewayMs` exceeds it. */
const MAX_LEEWAY_SHARE = 0.2;
/** `iat` and `exp` are whole seconds: a token issued just now may have a second less to live. */
const CLAIM_RESOLUTION_MS = 1000;

/**
 * How long to wait before refreshing `claims`' token: until `leewayMs` before it expires, but
 * never more than a fifth of its lifetime early. A token issued just now is timed by its own
 * lifetime (`exp - iat`, less a second for the claims' whole-second resolution) from this
 * moment, so a client clock that is off does not matter; a stored token can only be timed by
 * the clock (a 2-second token issued now is refreshed after 0.6 s).
 * Returns null for a token without `exp`.
 * @example refreshDelayMs({ iat: 0, exp: 900 }, { now: Date.now(), issuedJustNow: true, leewayMs: 30_000 }) // 869000
 */
export function refreshDelayMs(
  claims: Partial<AccessTokenClaims>,
  options: { now: number; issuedJustNow: boolean; leewayMs: number },
): number | null {
  if (typeof claims.exp !== 'number') return null;
  const lifetimeMs = typeof claims.iat === 'number' ? (claims.exp - claims.iat) * 1000 : null;
  const remainingMs =
    options.issuedJustNow && lifetimeMs !== null
      ? lifetimeMs - CLAIM_RESOLUTION_MS
      : claims.exp * 1000 - options.now;
  const leewayMs =
    lifetimeMs === null
      ? options.leewayMs
      : Math.min(options.leewayMs, lifetimeMs * MAX_LEEWAY_SHARE);
  return Math.max(0, Math.round(remainingMs - leewayMs));
}
