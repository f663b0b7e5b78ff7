import type { TokenPair } from '@parley/protocol';

export interface RefreshCoordinatorOptions {
  fetch: typeof fetch;
  /** The pair every tab of this origin shares (localStorage). */
  readStored: () => TokenPair | null;
  store: (tokens: TokenPair) => void;
  /** The user this tab is signed in as. */
  currentUserId: () => string | null;
  /** `navigator.locks` (secure contexts only); without it the race is only narrowed. */
  locks?: Pick<LockManager, 'request'>;
}

const LOCK_NAME = 'parley-token-refresh';

/** The `sub` claim of a JWT, unverified (the server verifies every token it receives). */
export function tokenSubject(token: string): string | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return claims && typeof claims === 'object' && 'sub' in claims && typeof claims.sub === 'string'
      ? claims.sub
      : null;
  } catch {
    return null;
  }
}

function refreshTokenOf(body: BodyInit | null | undefined): string | null {
  try {
    const parsed: unknown = JSON.parse(String(body));
    return parsed && typeof parsed === 'object' && 'refreshToken' in parsed
      ? String(parsed.refreshToken)
      : null;
  } catch {
    return null;
  }
}

/**
 * A `fetch` for the SDK that makes the tabs of one browser share a session. Refresh tokens
 * rotate and the server revokes the whole session when a spent one comes back, so two tabs
 * refreshing with the same token would sign each other out. Under a lock, a tab first looks
 * whether another tab has rotated the pair already: then it takes that pair instead of asking
 * the server. A pair it does get from the server is stored before the lock is released.
 */
export function coordinatedRefreshFetch(options: RefreshCoordinatorOptions): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (init?.method !== 'POST' || !new URL(url).pathname.endsWith('/auth/refresh')) {
      return options.fetch(input, init);
    }
    const spending = refreshTokenOf(init.body);
    const refresh = async (): Promise<Response> => {
      const stored = options.readStored();
      const userId = options.currentUserId();
      if (
        stored &&
        spending !== null &&
        stored.refreshToken !== spending &&
        userId !== null &&
        tokenSubject(stored.accessToken) === userId
      ) {
        return Response.json(stored);
      }
      const response = await options.fetch(input, init);
      if (!response.ok) return response;
      const text = await response.text();
      const rotated = JSON.parse(text) as TokenPair;
      options.store({ accessToken: rotated.accessToken, refreshToken: rotated.refreshToken });
      return new Response(text, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
    const locks = options.locks;
    if (!locks) return refresh();
    return (async () => {
      let response: Response | undefined;
      await locks.request(LOCK_NAME, async () => {
        response = await refresh();
      });
      return response!;
    })();
  };
}
