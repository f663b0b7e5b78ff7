/** Where a client may present its access token. */
export interface PresentedCredentials {
  /** The `Authorization` header: `Bearer <token>`. */
  authorization?: string;
  /**
   * A Socket.IO handshake's `auth` object: its `token` is the bare token (a browser cannot set
   * headers on a WebSocket).
   */
  auth?: { token?: unknown };
}

/**
 * The access token of an HTTP request or a socket handshake: the handshake's `auth.token` if set,
 * else the `Authorization: Bearer` header. Undefined when neither holds one.
 */
export function bearerToken({ authorization, auth }: PresentedCredentials): string | undefined {
  if (typeof auth?.token === 'string' && auth.token) return auth.token;
  const [scheme, token] = (authorization ?? '').split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}
