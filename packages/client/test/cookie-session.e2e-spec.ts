import { describe, expect, it } from 'vitest';
import { uniqueUsername } from '../../../apps/api/test/support/test-app.js';
import { PASSWORD, record, reopen, useApi } from './support/parley-clients.js';

const app = useApi();

/**
 * A browser's cookie jar for one origin, as far as the session cookie goes: Node's fetch keeps
 * no cookies. It also records what the SDK sent, to check no refresh token leaves the jar.
 */
function cookieJar() {
  const jar = { cookie: null as string | null, bodies: [] as string[] };
  const fetchWithJar: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    if (jar.cookie && url.pathname.startsWith('/auth/')) headers.set('cookie', jar.cookie);
    if (typeof init?.body === 'string') jar.bodies.push(init.body);
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      jar.cookie = pair.endsWith('=') ? null : pair;
    }
    return response;
  };
  return { jar, fetch: fetchWithJar };
}

describe('cookie session', () => {
  it('signs in without a refresh token in hand, resumes on a new page, logs out', async () => {
    const { jar, fetch } = cookieJar();
    const tokensSeen: unknown[] = [];
    const firstPage = reopen({
      baseUrl: app.baseUrl,
      session: 'cookie',
      fetch,
      onTokens: (tokens) => tokensSeen.push(tokens),
    });
    const user = await firstPage.register({ username: uniqueUsername('jar'), password: PASSWORD });
    expect(jar.cookie).toMatch(/^parley_refresh=/);
    expect(tokensSeen).toEqual([]);
    await expect(firstPage.http.me()).resolves.toMatchObject({ id: user.id });
    firstPage.close();

    const secondPage = reopen({ baseUrl: app.baseUrl, session: 'cookie', fetch });
    expect(secondPage.userId).toBeNull();
    await expect(secondPage.resumeSession()).resolves.toBe(user.id);
    await expect(secondPage.http.me()).resolves.toMatchObject({ id: user.id });
    await secondPage.connect();

    await secondPage.logout();
    expect(jar.cookie).toBeNull();
    // Nothing the SDK sent carried a refresh token: it never had one.
    expect(jar.bodies.filter((body) => body.includes('refreshToken'))).toEqual([]);

    const thirdPage = reopen({ baseUrl: app.baseUrl, session: 'cookie', fetch });
    const signedOut = record(thirdPage, 'signedOut');
    await expect(thirdPage.resumeSession()).rejects.toMatchObject({ status: 400 });
    expect(signedOut).toHaveLength(1);
  });

  it('lets pages sharing the jar refresh in turn without tripping reuse detection', async () => {
    const { jar, fetch } = cookieJar();
    const firstPage = reopen({ baseUrl: app.baseUrl, session: 'cookie', fetch });
    const user = await firstPage.register({ username: uniqueUsername('jar'), password: PASSWORD });
    const secondPage = reopen({ baseUrl: app.baseUrl, session: 'cookie', fetch });
    const cookies = [jar.cookie];
    for (const page of [secondPage, firstPage, secondPage]) {
      await expect(page.resumeSession()).resolves.toBe(user.id);
      cookies.push(jar.cookie);
    }
    expect(new Set(cookies).size).toBe(4);
    for (const page of [firstPage, secondPage]) {
      await expect(page.http.me()).resolves.toMatchObject({ id: user.id });
    }
  });
});
