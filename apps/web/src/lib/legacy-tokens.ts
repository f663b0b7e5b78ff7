import { AUTH_LOCK_NAME } from './refresh-coordinator';
import { storeSessionHint } from './session-hint';

/** Where versions before cookie sessions kept the token pair, readable by any script. */
const LEGACY_TOKENS_KEY = 'parley.tokens';

export function hasLegacyTokens(): boolean {
  try {
    return localStorage.getItem(LEGACY_TOKENS_KEY) !== null;
  } catch {
    return false;
  }
}

/**
 * Moves a token pair kept by an earlier version into the cookie session: one refresh with
 * `session: "cookie"` spends the stored refresh token (so a copy read from storage is worthless)
 * and sets its successor as the cookie. Under the tabs' auth lock, and the pair is removed
 * before it is spent: two tabs upgrading at once never spend it twice.
 */
export async function moveLegacyTokensToCookie(
  baseUrl: string,
  locks: Pick<LockManager, 'request'> | undefined = globalThis.navigator?.locks,
): Promise<void> {
  const move = async () => {
    const legacy = takeLegacyTokens();
    if (!legacy) return;
    const response = await fetch(new URL('/auth/refresh', baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: legacy.refreshToken, session: 'cookie' }),
      credentials: 'include',
    }).catch(() => null);
    if (response?.ok) storeSessionHint(legacy.userId);
  };
  if (locks) await locks.request(AUTH_LOCK_NAME, move);
  else await move();
}

function takeLegacyTokens(): { refreshToken: string; userId: string } | null {
  try {
    const stored = localStorage.getItem(LEGACY_TOKENS_KEY);
    if (stored === null) return null;
    localStorage.removeItem(LEGACY_TOKENS_KEY);
    const parsed: unknown = JSON.parse(stored);
    if (!parsed || typeof parsed !== 'object') return null;
    const { refreshToken, accessToken } = parsed as Record<string, unknown>;
    const userId = typeof accessToken === 'string' ? tokenSubject(accessToken) : null;
    return typeof refreshToken === 'string' && userId ? { refreshToken, userId } : null;
  } catch {
    return null;
  }
}

/** The `sub` claim of a JWT, unverified (the server verifies every token it receives). */
function tokenSubject(token: string): string | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    return claims && typeof claims === 'object' && 'sub' in claims && typeof claims.sub === 'string'
      ? claims.sub
      : null;
  } catch {
    return null;
  }
}
