import { isIP } from 'node:net';
import { REFRESH_COOKIE_NAME } from '@parley/protocol';
import type { Request, Response } from 'express';

// The refresh-token cookie (REFRESH_COOKIE_NAME) has no `__Host-`/`__Secure-` prefix: the first
// needs `Path=/`, the second `Secure`, and the cookie is scoped to `/auth` and drops `Secure` for
// local plain-http use.
export const REFRESH_COOKIE_PATH = '/auth';

/** The refresh token of the request's session cookie, if it carries one. */
export function readRefreshCookie(request: Request): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0 || pair.slice(0, separator).trim() !== REFRESH_COOKIE_NAME) continue;
    // Browsers send the cookie of the longest matching path first: the first one wins.
    const value = pair.slice(separator + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

export function setRefreshCookie(
  request: Request,
  response: Response,
  refreshToken: string,
  maxAgeSec: number,
): void {
  response.cookie(REFRESH_COOKIE_NAME, refreshToken, {
    ...cookieAttributes(request),
    maxAge: maxAgeSec * 1000,
  });
}

export function clearRefreshCookie(request: Request, response: Response): void {
  response.clearCookie(REFRESH_COOKIE_NAME, cookieAttributes(request));
}

/**
 * SameSite=Strict keeps the cookie off cross-site requests and `Path=/auth` off every route but
 * the auth ones. `Secure` is left off only for plain http to a loopback host: a browser stores no
 * Secure cookie from `http://127.0.0.1`-style local use in every browser, and no one else can
 * reach that address. Behind a proxy, `request.protocol` and `hostname` follow `trust proxy`.
 */
function cookieAttributes(request: Request) {
  const secure = request.protocol !== 'http' || !isLoopbackHost(request.hostname);
  return { httpOnly: true, secure, sameSite: 'strict' as const, path: REFRESH_COOKIE_PATH };
}

/** `localhost` (and its subdomains), 127.0.0.0/8 and ::1, with or without IPv6 brackets. */
export function isLoopbackHost(hostname: string | undefined): boolean {
  if (!hostname) return false;
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}
