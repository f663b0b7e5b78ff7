import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiServer } from './support/api-server';
import { collectErrors, launchChromium, newPage } from './support/browser';
import { chromiumPath, hasChromium } from './support/paths';

const PASSWORD = 'correct-horse-battery';

const shown = (locator: Locator, timeout = 10_000) =>
  locator.waitFor({ state: 'visible', timeout });
const conversations = (page: Page) => page.getByRole('navigation', { name: 'Conversations' });

/** Everything the page's scripts can see of the session: storage and non-HttpOnly cookies. */
const visibleToScripts = (page: Page) =>
  page.evaluate(() => ({
    localStorage: JSON.stringify({ ...localStorage }),
    sessionStorage: JSON.stringify({ ...sessionStorage }),
    cookies: document.cookie,
  }));

const suite = hasChromium ? describe : describe.skip;

suite(
  hasChromium
    ? 'the cookie session in Chromium'
    : `the cookie session in Chromium (skipped: no browser at ${chromiumPath})`,
  () => {
    let api: ApiServer;
    let browser: Browser;

    beforeAll(async () => {
      [api, browser] = await Promise.all([
        ApiServer.create(inject('databaseUrl')),
        launchChromium(),
      ]);
    });

    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
    });

    it('loads under the strict CSP, keeps the session through reloads and in several tabs', async () => {
      const { context, page, errors } = await newPage(browser);
      const response = await page.goto(api.baseUrl);
      const policy = response?.headers()['content-security-policy'] ?? '';
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("frame-ancestors 'none'");

      await page.getByLabel('Username').fill('selma');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await shown(conversations(page));

      // The refresh token is in an HttpOnly cookie on /auth; scripts see no token at all.
      const [sessionCookie, ...others] = await context.cookies();
      expect(others).toEqual([]);
      expect(sessionCookie).toMatchObject({
        name: 'parley_refresh',
        path: '/auth',
        httpOnly: true,
        sameSite: 'Strict',
      });
      const seen = await visibleToScripts(page);
      expect(JSON.stringify(seen)).not.toContain(sessionCookie!.value);
      expect(seen.cookies).toBe('');
      expect(seen.localStorage).not.toMatch(/token|eyJ/i);
      expect(seen.sessionStorage).toBe('{}');

      await page.reload();
      await shown(conversations(page));

      const tabs = [page];
      const tabErrors = [errors];
      for (let index = 0; index < 2; index++) {
        const tab = await context.newPage();
        tabErrors.push(collectErrors(tab));
        await tab.goto(api.baseUrl);
        await shown(conversations(tab));
        tabs.push(tab);
      }
      // Every tab resumes with the one cookie at the same moment: they take turns, so the
      // rotating token is never presented twice (which would revoke the session).
      for (let round = 0; round < 3; round++) {
        await Promise.all(tabs.map((tab) => tab.reload()));
        for (const tab of tabs) await shown(conversations(tab));
      }
      for (const tab of tabs) {
        expect(await tab.getByText('Your session has ended').count()).toBe(0);
      }
      expect(JSON.stringify(await visibleToScripts(tabs[2]!))).not.toMatch(/token|eyJ/i);

      // A logout in one tab signs the others out; the cookie is gone.
      await tabs[0]!.getByRole('button', { name: 'Log out' }).click();
      await shown(tabs[1]!.getByText('You logged out in another tab.'));
      await expect.poll(() => context.cookies()).toEqual([]);
      await tabs[2]!.reload();
      await shown(tabs[2]!.getByRole('button', { name: 'Log in' }));
      expect(await tabs[2]!.getByText('Your session has ended').count()).toBe(0);

      // Console errors include CSP violations ("... violates the following Content Security Policy").
      expect(tabErrors.flat()).toEqual([]);
      await context.close();
    });

    it('moves a token pair an earlier version kept in localStorage into the cookie', async () => {
      const registered = await fetch(`${api.baseUrl}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'eli', password: PASSWORD }),
      });
      const { accessToken, refreshToken } = (await registered.json()) as Record<string, string>;
      const { context, page, errors } = await newPage(browser);
      await page.goto(api.baseUrl);
      await page.evaluate(
        (pair) => localStorage.setItem('parley.tokens', pair),
        JSON.stringify({ accessToken, refreshToken }),
      );

      await page.reload();
      await shown(conversations(page));
      expect(await page.evaluate(() => localStorage.getItem('parley.tokens'))).toBeNull();
      expect(JSON.stringify(await visibleToScripts(page))).not.toMatch(/token|eyJ/i);
      await page.reload();
      await shown(conversations(page));
      expect(errors).toEqual([]);
      await context.close();

      // The stored refresh token was spent by the move: a copy read from storage is worthless.
      const replayed = await fetch(`${api.baseUrl}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      expect(replayed.status).toBe(401);
    });
  },
);
