import type { IncomingMessage } from 'node:http';

/** `scheme://host[:port]` as browsers write it (default port dropped), or null if not a URL. */
function originOf(url: string): string | null {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * The scheme the browser used to reach this node. Behind a TLS-terminating proxy that is the
 * proxy's `X-Forwarded-Proto`; a page cannot forge it on a cross-site handshake (WebSockets take
 * no custom headers, and a polling request with one needs a CORS preflight that fails).
 */
function requestScheme(request: IncomingMessage): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  if (first === 'http' || first === 'https') return first;
  return (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

/**
 * No Origin (not a browser), an allowlisted origin, or the page's own origin; scheme, host and
 * port are all compared, so `http://` does not pass for an `https://` page.
 */
export function isOriginAllowed(request: IncomingMessage, allowedOrigins: string[]): boolean {
  if (request.headers.origin === undefined) return true;
  const origin = originOf(request.headers.origin);
  if (!origin) return false;
  if (allowedOrigins.some((allowed) => originOf(allowed) === origin)) return true;
  const host = request.headers.host;
  return host !== undefined && originOf(`${requestScheme(request)}://${host}`) === origin;
}
