export interface RefreshCoordinatorOptions {
  fetch: typeof fetch;
  /** `navigator.locks`: available wherever the session cookie is (secure contexts). */
  locks?: Pick<LockManager, 'request'>;
}

/** The lock every auth request of this browser's tabs takes (also lib/legacy-tokens.ts). */
export const AUTH_LOCK_NAME = 'parley-auth';

/**
 * A `fetch` for the SDK that runs the auth requests of all tabs of this browser one at a time.
 * The tabs share one session cookie, and refresh tokens rotate: two tabs refreshing at once
 * would present the same token, and the server takes a spent token coming back as theft and
 * revokes the whole session. Under the lock, each request carries the cookie the one before
 * it set (the browser stores a response's cookie before `fetch` resolves). Logins and logouts
 * take the lock too, so a refresh of the old session cannot land after them.
 */
export function coordinatedRefreshFetch(options: RefreshCoordinatorOptions): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const locks = options.locks;
    if (!locks || init?.method !== 'POST' || !new URL(url).pathname.startsWith('/auth/')) {
      return options.fetch(input, init);
    }
    return (async () => {
      let response!: Response;
      await locks.request(AUTH_LOCK_NAME, async () => {
        response = await options.fetch(input, init);
      });
      return response;
    })();
  };
}
