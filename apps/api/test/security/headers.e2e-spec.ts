import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/api-context.js';
import { startTestApp, uniqueUsername } from '../support/test-app.js';

const password = 'correct horse battery';
const COOKIE = 'parley_refresh';

let webAppFolder: string;

// Before the node starts, and removed after it closed (after-hooks run in reverse).
beforeAll(() => {
  webAppFolder = mkdtempSync(join(tmpdir(), 'parley-web-'));
  mkdirSync(join(webAppFolder, 'assets'));
  writeFileSync(join(webAppFolder, 'index.html'), '<!doctype html><title>Parley</title>');
  writeFileSync(join(webAppFolder, 'assets', 'app.js'), 'export {};');
});
afterAll(() => rmSync(webAppFolder, { recursive: true, force: true }));

const sut = useTestApp({}, () => ({ webAppFolder }));
const { http } = sut;

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A request through node:http: unlike fetch, it may set `Host` and send any cookie. */
function send(
  method: string,
  path: string,
  options: {
    body?: unknown;
    cookie?: string;
    host?: string;
    contentType?: string;
    headers?: Record<string, string>;
    baseUrl?: string;
  } = {},
): Promise<RawAnswer> {
  const url = new URL(path, options.baseUrl ?? sut.baseUrl);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  if (options.host !== undefined) headers.host = options.host;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: keep the text.
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

interface ParsedCookie {
  value: string;
  attributes: Map<string, string>;
}

/** The answer's Set-Cookie of the refresh cookie, split into its value and attributes. */
function refreshCookieOf(answer: RawAnswer): ParsedCookie | undefined {
  const lines = ([] as string[]).concat(answer.headers['set-cookie'] ?? []);
  const line = lines.find((candidate) => candidate.startsWith(`${COOKIE}=`));
  if (!line) return undefined;
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return {
    value: pair!.slice(COOKIE.length + 1),
    attributes: new Map(
      attributes.map((attribute) => {
        const [name, value = ''] = attribute.split('=');
        return [name!.toLowerCase(), value];
      }),
    ),
  };
}

function expectSecurityHeaders(headers: Record<string, string | string[] | undefined>) {
  const policy = String(headers['content-security-policy']);
  const directives = new Map(
    policy.split(';').map((directive) => {
      const [name, ...values] = directive.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
  expect(directives.get('default-src')).toBe("'self'");
  expect(directives.get('script-src')).toBe("'self'");
  expect(directives.get('style-src')).toBe("'self'");
  expect(directives.get('connect-src')).toBe("'self'");
  expect(directives.get('object-src')).toBe("'none'");
  expect(directives.get('frame-ancestors')).toBe("'none'");
  expect(policy).not.toContain('unsafe-inline');
  expect(policy).not.toContain('unsafe-eval');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-powered-by']).toBeUndefined();
}

async function registerWithCookie(host?: string) {
  const answer = await send('POST', '/auth/register', {
    body: { username: uniqueUsername('cookie'), password, session: 'cookie' },
    host,
  });
  expect(answer.status).toBe(201);
  return answer;
}

const cookieHeader = (cookie: ParsedCookie) => `${COOKIE}=${cookie.value}`;

describe('security headers', () => {
  it('are on API answers: JSON, errors, 404s and a refused body', async () => {
    for (const answer of [
      await send('GET', '/health'),
      await send('POST', '/auth/login', { body: { username: 'nobody', password } }),
      await send('GET', '/users/me'),
      await send('GET', '/no-such-route'),
      await send('POST', '/auth/login', { body: 'x'.repeat(70 * 1024) }),
    ]) {
      expectSecurityHeaders(answer.headers);
    }
  });

  it("are on Socket.IO's HTTP answers (handshake, long-polling)", async () => {
    const handshake = await send('GET', '/socket.io/?EIO=4&transport=polling');
    expect(handshake.status).toBe(200);
    expectSecurityHeaders(handshake.headers);
  });

  it("are on the web app's files", async () => {
    const page = await send('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expectSecurityHeaders(page.headers);

    const script = await send('GET', '/assets/app.js');
    expect(script.status).toBe(200);
    expectSecurityHeaders(script.headers);
  });
});

describe('token answers', () => {
  it('are never cached: register, login, refresh in both forms', async () => {
    const username = uniqueUsername('nostore');
    const registered = await http.post('/auth/register', { username, password });
    const loggedIn = await http.post('/auth/login', { username, password });
    const refreshed = await http.post('/auth/refresh', {
      refreshToken: loggedIn.body.refreshToken,
    });
    const cookieLogin = await send('POST', '/auth/login', {
      body: { username, password, session: 'cookie' },
    });
    const cookieRefresh = await send('POST', '/auth/refresh', {
      body: {},
      cookie: cookieHeader(refreshCookieOf(cookieLogin)!),
    });
    expect([registered, loggedIn, refreshed].map((answer) => answer.status)).toEqual([
      201, 200, 200,
    ]);
    expect([cookieLogin.status, cookieRefresh.status]).toEqual([200, 200]);
    for (const headers of [registered.headers, loggedIn.headers, refreshed.headers]) {
      expect(headers.get('cache-control')).toBe('no-store');
    }
    for (const answer of [cookieLogin, cookieRefresh]) {
      expect(answer.headers['cache-control']).toBe('no-store');
    }
  });
});

describe('the body form (v1 and SDK clients)', () => {
  it('answers the token pair in JSON and sets no cookie', async () => {
    const username = uniqueUsername('body');
    const registered = await send('POST', '/auth/register', { body: { username, password } });
    expect(registered.body).toEqual({
      user: expect.objectContaining({ username }),
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    const refreshed = await send('POST', '/auth/refresh', {
      body: { refreshToken: registered.body.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    const loggedOut = await send('POST', '/auth/logout', {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(loggedOut.status).toBe(204);
    for (const answer of [registered, refreshed, loggedOut]) {
      expect(answer.headers['set-cookie']).toBeUndefined();
    }
    const afterLogout = await send('POST', '/auth/refresh', {
      body: { refreshToken: refreshed.body.refreshToken },
    });
    expect(afterLogout.status).toBe(401);
  });

  it('answers 400 for a refresh or logout with neither a token nor a cookie', async () => {
    expect((await send('POST', '/auth/refresh', { body: {} })).status).toBe(400);
    expect((await send('POST', '/auth/logout', { body: {} })).status).toBe(400);
    expect((await send('POST', '/auth/refresh', { body: { session: 'tokens' } })).status).toBe(400);
  });
});

describe('the cookie session', () => {
  it('keeps the refresh token out of JSON, in an HttpOnly, SameSite=Strict cookie on /auth', async () => {
    const answer = await registerWithCookie();
    expect(answer.body).toEqual({ user: expect.any(Object), accessToken: expect.any(String) });
    const cookie = refreshCookieOf(answer)!;
    expect(cookie.value).toMatch(/^[\w-]{40,}$/);
    expect(cookie.attributes.get('path')).toBe('/auth');
    expect(cookie.attributes.has('httponly')).toBe(true);
    expect(cookie.attributes.get('samesite')).toBe('Strict');
    expect(Number(cookie.attributes.get('max-age'))).toBeGreaterThan(24 * 60 * 60);
    // The access token works as ever.
    const me = await http.get('/users/me', answer.body.accessToken);
    expect(me.status).toBe(200);
  });

  it('leaves Secure off only for plain http to a loopback host', async () => {
    for (const host of [undefined, 'localhost', '[::1]', '127.0.0.2']) {
      const cookie = refreshCookieOf(await registerWithCookie(host))!;
      expect(cookie.attributes.has('secure'), `host ${host}`).toBe(false);
    }
    for (const host of ['chat.example.com', '192.168.1.20', 'localhost.example.com']) {
      const cookie = refreshCookieOf(await registerWithCookie(host))!;
      expect(cookie.attributes.has('secure'), `host ${host}`).toBe(true);
    }
  });

  it('refreshes from the cookie, rotating it, and never answers the token in JSON', async () => {
    const first = refreshCookieOf(await registerWithCookie())!;
    const refreshed = await send('POST', '/auth/refresh', {
      body: {},
      cookie: cookieHeader(first),
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ accessToken: expect.any(String) });
    const second = refreshCookieOf(refreshed)!;
    expect(second.value).not.toBe(first.value);
    expect(second.attributes.get('path')).toBe('/auth');
    expect(second.attributes.has('httponly')).toBe(true);

    const again = await send('POST', '/auth/refresh', {
      body: { session: 'cookie' },
      cookie: `other=1; ${cookieHeader(second)}`,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ accessToken: expect.any(String) });
  });

  it('moves a body-form session into the cookie when a refresh asks for it', async () => {
    const registered = await http.post('/auth/register', {
      username: uniqueUsername('switch'),
      password,
    });
    const refreshed = await send('POST', '/auth/refresh', {
      body: { refreshToken: registered.body.refreshToken, session: 'cookie' },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ accessToken: expect.any(String) });
    const cookie = refreshCookieOf(refreshed)!;
    const fromCookie = await send('POST', '/auth/refresh', {
      body: {},
      cookie: cookieHeader(cookie),
    });
    expect(fromCookie.status).toBe(200);
  });

  it('spends the cookie only with a JSON body: a form post cannot', async () => {
    const cookie = refreshCookieOf(await registerWithCookie())!;
    for (const path of ['/auth/refresh', '/auth/logout']) {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
        const forged = await send('POST', path, {
          body: {},
          contentType,
          cookie: cookieHeader(cookie),
        });
        expect(forged.status, `${path} as ${contentType}`).toBe(400);
        expect(forged.headers['set-cookie']).toBeUndefined();
      }
    }
    const stillValid = await send('POST', '/auth/refresh', {
      body: {},
      cookie: cookieHeader(cookie),
    });
    expect(stillValid.status).toBe(200);
  });

  it('logs out from the cookie and clears it', async () => {
    const first = refreshCookieOf(await registerWithCookie())!;
    const refreshed = await send('POST', '/auth/refresh', {
      body: {},
      cookie: cookieHeader(first),
    });
    const current = refreshCookieOf(refreshed)!;

    const loggedOut = await send('POST', '/auth/logout', {
      body: {},
      cookie: cookieHeader(current),
    });
    expect(loggedOut.status).toBe(204);
    const cleared = refreshCookieOf(loggedOut)!;
    expect(cleared.value).toBe('');
    expect(cleared.attributes.get('path')).toBe('/auth');
    expect(new Date(cleared.attributes.get('expires')!).getTime()).toBeLessThan(Date.now());

    const afterLogout = await send('POST', '/auth/refresh', {
      body: {},
      cookie: cookieHeader(current),
    });
    expect(afterLogout.status).toBe(401);
  });

  it('answers 400 for an oversized cookie, 401 for an unknown one', async () => {
    const oversized = await send('POST', '/auth/refresh', {
      body: {},
      cookie: `${COOKIE}=${'a'.repeat(600)}`,
    });
    expect(oversized.status).toBe(400);
    const unknown = await send('POST', '/auth/refresh', {
      body: {},
      cookie: `${COOKIE}=${'a'.repeat(43)}`,
    });
    expect(unknown.status).toBe(401);
  });
});

describe('cross-origin JSON to the auth routes', () => {
  const preflight = (origin: string, baseUrl?: string) =>
    send('OPTIONS', '/auth/refresh', {
      baseUrl,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  it('passes the preflight only from a CORS_ORIGIN origin, with credentials', async () => {
    const allowed = 'https://chat.example.com';
    const withAllowlist = await startTestApp({ CORS_ORIGIN: allowed });
    try {
      const fromAllowed = await preflight(allowed, withAllowlist.baseUrl);
      expect(fromAllowed.headers['access-control-allow-origin']).toBe(allowed);
      expect(fromAllowed.headers['access-control-allow-credentials']).toBe('true');
      const fromOther = await preflight('https://evil.example.com', withAllowlist.baseUrl);
      expect(fromOther.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withAllowlist.close();
    }
    const sameOriginOnly = await preflight(allowed);
    expect(sameOriginOnly.headers['access-control-allow-origin']).toBeUndefined();
    expect(sameOriginOnly.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
