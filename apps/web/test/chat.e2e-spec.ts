import { ParleyClient } from '@parley/client';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiServer } from './support/api-server';
import { launchChromium, newPage, PHONE } from './support/browser';
import { chromiumPath, hasChromium } from './support/paths';

const PASSWORD = 'correct-horse-battery';

/** Waits until the locator's single element is visible. */
const shown = (locator: Locator, timeout = 10_000) =>
  locator.waitFor({ state: 'visible', timeout });
/** Waits until nothing matches the locator. */
const noneLeft = (locator: Locator, timeout = 10_000) =>
  expect.poll(() => locator.count(), { timeout }).toBe(0);

const conversations = (page: Page) => page.getByRole('navigation', { name: 'Conversations' });
const messagesLog = (page: Page) => page.getByRole('log', { name: 'Messages' });
const messageRow = (page: Page, text: string) =>
  messagesLog(page).getByRole('listitem').filter({ hasText: text });
const statusOf = (page: Page, text: string, status: 'Sending' | 'Sent' | 'Delivered' | 'Read') =>
  messageRow(page, text).getByRole('img', { name: status, exact: true });

async function fillCredentials(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message').fill(text);
  await page.getByLabel('Message').press('Enter');
  // It shows at once (pending): proof the open chat took it.
  await messageRow(page, text).first().waitFor({ state: 'visible', timeout: 10_000 });
}

const suite = hasChromium ? describe : describe.skip;

suite(
  hasChromium
    ? 'the web app in Chromium'
    : `the web app in Chromium (skipped: no browser at ${chromiumPath})`,
  () => {
    let api: ApiServer;
    let browser: Browser;
    let alice: Page;
    let bob: Page;
    let bobContext: BrowserContext;
    const errors: string[][] = [];

    beforeAll(async () => {
      [api, browser] = await Promise.all([
        ApiServer.create(inject('databaseUrl')),
        launchChromium(),
      ]);
      const alicePage = await newPage(browser);
      const bobPage = await newPage(browser);
      alice = alicePage.page;
      bob = bobPage.page;
      bobContext = bobPage.context;
      errors.push(alicePage.errors, bobPage.errors);
      await api.register('carol', 'Carol');
    });

    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
    });

    it('registers, with clear messages for a taken name and a wrong password', async () => {
      await alice.goto(api.baseUrl);
      await fillCredentials(alice, 'alice', PASSWORD);
      await alice.getByRole('button', { name: 'Create account' }).click();
      await shown(conversations(alice));

      await bob.goto(api.baseUrl);
      await fillCredentials(bob, 'Alice', PASSWORD);
      await bob.getByRole('button', { name: 'Create account' }).click();
      await shown(bob.getByRole('alert').filter({ hasText: 'That username is taken' }));

      await fillCredentials(bob, 'alice', 'not-the-password');
      await bob.getByRole('button', { name: 'Log in' }).click();
      await shown(bob.getByRole('alert').filter({ hasText: 'Wrong username or password' }));

      await fillCredentials(bob, 'bob', PASSWORD);
      await bob.getByRole('button', { name: 'Create account' }).click();
      await shown(conversations(bob));
    });

    it('starts a direct chat; messages go pending, delivered, read; badges count unread', async () => {
      await alice.getByRole('button', { name: 'New conversation' }).click();
      const dialog = alice.getByRole('dialog', { name: 'New conversation' });
      await dialog.getByLabel('Search people').fill('bo');
      await dialog.getByRole('radio', { name: /bob/ }).check();
      await dialog.getByRole('button', { name: 'Start chat' }).click();
      await shown(messagesLog(alice));
      await noneLeft(dialog);

      await send(alice, 'Hello Bob');
      // Bob has the app open but not this chat: delivered, not read.
      await shown(statusOf(alice, 'Hello Bob', 'Delivered'));
      const bobsRow = conversations(bob).getByRole('link', { name: /alice/ });
      await shown(bobsRow.getByLabel('1 unread'));

      await alice.getByLabel('Message').fill('<b>x</b>');
      await alice.getByRole('button', { name: 'Send' }).click();
      await shown(bobsRow.getByLabel('2 unread'));
      await shown(bobsRow.getByText('<b>x</b>'));

      await bobsRow.click();
      await shown(messagesLog(bob).getByText('<b>x</b>', { exact: true }));
      expect(await messagesLog(bob).locator('b').count()).toBe(0);
      await noneLeft(bobsRow.getByLabel(/unread/));
      await shown(statusOf(alice, 'Hello Bob', 'Read'));
      await shown(statusOf(alice, '<b>x</b>', 'Read'));

      await bob.getByLabel('Message').fill('Hi Alice');
      await shown(alice.getByText('bob is typing...'));
      // Names are isolated from the text around them, as in the rest of the UI.
      expect(await alice.getByText('bob is typing...').locator('bdi').textContent()).toBe('bob');
      await bob.getByLabel('Message').press('Shift+Enter');
      await bob.getByLabel('Message').pressSequentially('second line');
      await bob.getByLabel('Message').press('Enter');
      await shown(messageRow(alice, 'Hi Alice'));
      expect(await messageRow(alice, 'Hi Alice').innerText()).toContain('Hi Alice\nsecond line');
      await noneLeft(alice.getByText('bob is typing...'));
      // Alice has the chat open and the page in focus: read at once.
      await shown(statusOf(bob, 'Hi Alice', 'Read'));
      await noneLeft(conversations(alice).getByLabel(/unread/));
    });

    it('isolates bidirectional controls in message text from the UI around it', async () => {
      const hostile = 'evil\u202Egnp.exe';
      await send(bob, hostile);
      const bubbleText = messagesLog(alice).getByText('gnp.exe');
      const preview = conversations(alice).getByRole('link', { name: /bob/ }).getByText('gnp.exe');
      await shown(bubbleText);
      await shown(preview);
      const isolation = (element: Element) => getComputedStyle(element).unicodeBidi;
      // An isolate ends the override at its edge: the time and status beside it stay in place.
      expect(await bubbleText.evaluate(isolation)).toBe('isolate');
      expect(await bubbleText.getAttribute('dir')).toBe('auto');
      expect(await preview.evaluate(isolation)).toBe('isolate');
      // The override itself is kept: it is part of what Bob wrote.
      expect(await bubbleText.textContent()).toBe(hostile);
    });

    it('keeps the session and the history across a reload', async () => {
      await alice.reload();
      await shown(messageRow(alice, 'Hello Bob'));
      await shown(messageRow(alice, 'Hi Alice'));
      await shown(statusOf(alice, 'Hello Bob', 'Read'));
      // On connect the server says which peers are online: Bob's row gets its dot.
      await shown(
        conversations(alice)
          .getByRole('link', { name: /bob/ })
          .getByRole('img', { name: 'Online' }),
      );
    });

    it('shows Reconnecting... while the API is down, sends the queued message once and fills the gap', async () => {
      await api.stop();
      await shown(alice.getByRole('status').filter({ hasText: 'Reconnecting...' }));
      await shown(bob.getByRole('status').filter({ hasText: 'Reconnecting...' }));
      await bobContext.setOffline(true);

      await send(alice, 'Sent while offline');
      await shown(statusOf(alice, 'Sent while offline', 'Sending'));

      await api.start();
      await noneLeft(alice.getByRole('status').filter({ hasText: 'Reconnecting...' }), 20_000);
      await shown(statusOf(alice, 'Sent while offline', 'Sent'));
      await send(alice, 'After the restart');
      await shown(statusOf(alice, 'After the restart', 'Sent'));

      // Bob missed both live: his sync after reconnecting brings them, each once.
      await bobContext.setOffline(false);
      await noneLeft(bob.getByRole('status').filter({ hasText: 'Reconnecting...' }), 20_000);
      for (const text of ['Sent while offline', 'After the restart']) {
        await shown(messagesLog(bob).getByText(text, { exact: true }));
      }
      await shown(statusOf(alice, 'After the restart', 'Read'));
      for (const [page, text] of [
        [bob, 'Sent while offline'],
        [bob, 'After the restart'],
        [alice, 'Sent while offline'],
        [bob, 'Hello Bob'],
      ] as const) {
        expect(await messagesLog(page).getByText(text, { exact: true }).count()).toBe(1);
      }
    });

    it('creates a group; members panel renames, removes, adds; a member leaves; the list re-sorts', async () => {
      await alice.getByRole('button', { name: 'New group' }).click();
      const dialog = alice.getByRole('dialog', { name: 'New group' });
      await dialog.getByLabel('Group name').fill('Weekend trip');
      // Nobody is listed before 2 letters are typed (the server's search minimum).
      expect(await dialog.getByRole('checkbox').count()).toBe(0);
      await dialog.getByLabel('Search people').fill('bo');
      await dialog.getByRole('checkbox', { name: /bob/ }).check();
      await dialog.getByLabel('Search people').fill('ca');
      await dialog.getByRole('checkbox', { name: /Carol/ }).check();
      await dialog.getByRole('button', { name: 'Create group' }).click();
      await shown(alice.getByRole('heading', { name: 'Weekend trip' }));
      await send(alice, 'Who is in?');

      const bobsRows = conversations(bob).getByRole('link');
      await shown(bobsRows.first().filter({ hasText: 'Weekend trip' }));
      await shown(bobsRows.first().getByLabel('1 unread'));

      await alice.getByRole('button', { name: 'Members' }).click();
      const panel = alice.getByRole('dialog', { name: 'Group info' });
      const members = panel.getByRole('list', { name: 'Members' }).getByRole('listitem');
      await shown(members.filter({ hasText: 'alice' }).getByText('Owner'));
      await shown(members.filter({ hasText: 'bob' }).getByText('Member'));
      await panel.getByLabel('Group name').fill('Lake trip');
      await panel.getByRole('button', { name: 'Save' }).click();
      await shown(alice.getByRole('heading', { name: 'Lake trip' }));
      await shown(bobsRows.first().filter({ hasText: 'Lake trip' }));

      await panel.getByRole('button', { name: 'Remove Carol' }).click();
      await noneLeft(members.filter({ hasText: 'Carol' }));
      await panel.getByLabel('Search people').fill('car');
      await panel.getByRole('button', { name: 'Add Carol' }).click();
      await shown(members.filter({ hasText: 'Carol' }));
      await panel.getByRole('button', { name: 'Close' }).click();

      // A message in the direct chat moves it back to the top of Bob's list.
      await conversations(alice).getByRole('link', { name: /bob/ }).click();
      // The composer belongs to the open chat: wait for the switch before typing.
      await shown(alice.getByRole('heading', { name: /bob/ }));
      await send(alice, 'Back to us');
      await shown(bobsRows.first().filter({ hasText: 'Back to us' }));

      await bobsRows.filter({ hasText: 'Lake trip' }).click();
      await bob.getByRole('button', { name: 'Members' }).click();
      const bobsPanel = bob.getByRole('dialog', { name: 'Group info' });
      expect(await bobsPanel.getByRole('button', { name: /^Remove / }).count()).toBe(0);
      expect(await bobsPanel.getByRole('button', { name: 'Save' }).count()).toBe(0);
      await bobsPanel.getByRole('button', { name: 'Leave group' }).click();
      expect(
        await bobsPanel
          .getByText(/^Leave “Lake trip”\?/)
          .locator('bdi')
          .textContent(),
      ).toBe('Lake trip');
      await bobsPanel.getByRole('button', { name: 'Leave', exact: true }).click();
      await noneLeft(conversations(bob).getByRole('link', { name: /Lake trip/ }));
    });

    it('works at phone width: the list, then the chat with a way back', async () => {
      const phone = await newPage(browser, PHONE);
      errors.push(phone.errors);
      await phone.page.goto(api.baseUrl);
      await fillCredentials(phone.page, 'alice', PASSWORD);
      await phone.page.getByRole('button', { name: 'Log in' }).click();
      await conversations(phone.page).getByRole('link', { name: /bob/ }).click();
      await shown(messageRow(phone.page, 'Back to us'));
      expect(await conversations(phone.page).isVisible()).toBe(false);
      await phone.page.getByRole('button', { name: 'Back to conversations' }).click();
      await shown(conversations(phone.page));
      expect(await messagesLog(phone.page).count()).toBe(0);
      await phone.context.close();
    });

    it('pages: more conversations on scroll, older messages on scroll up without a jump', async () => {
      const erin = new ParleyClient({ baseUrl: api.baseUrl });
      await erin.register({ username: 'erin', password: PASSWORD });
      for (let index = 1; index <= 32; index++) {
        await erin.http.createConversation({ type: 'group', name: `Club ${index}`, memberIds: [] });
      }
      const history = await erin.http.createConversation({
        type: 'group',
        name: 'Long history',
        memberIds: [],
      });
      await erin.connect();
      await Promise.all(
        Array.from({ length: 70 }, (_, index) => erin.send(history.id, `Line ${index + 1}`)),
      );
      erin.close();

      const { page, context, errors: pageErrors } = await newPage(browser);
      errors.push(pageErrors);
      await page.goto(api.baseUrl);
      await fillCredentials(page, 'erin', PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      const rows = conversations(page).getByRole('link');
      await expect.poll(() => rows.count()).toBe(30);
      await conversations(page).evaluate((element) => {
        element.scrollTop = element.scrollHeight;
      });
      await expect.poll(() => rows.count()).toBe(33);

      await rows.filter({ hasText: 'Long history' }).click();
      const log = messagesLog(page);
      await shown(log.getByText('Line 70', { exact: true }));
      expect(await log.getByText('Line 20', { exact: true }).count()).toBe(0);
      // Scroll to the top and note where the oldest loaded message is drawn at that moment.
      const line21 = log.getByText('Line 21', { exact: true });
      const before = await line21.evaluate((text) => {
        text.closest('[role="log"]')!.scrollTop = 0;
        return text.getBoundingClientRect().top;
      });
      await shown(log.getByText('Line 1', { exact: true }));
      await shown(log.getByText('This is the start of the conversation'));
      const after = await line21.evaluate((text) => text.getBoundingClientRect().top);
      expect(Math.abs(after - before)).toBeLessThan(2);
      await context.close();
    });

    it('returns to sign-in when the session cannot be refreshed', async () => {
      // A revoked session cookie: the page cannot get an access token with it.
      await bobContext.addCookies([
        {
          name: 'parley_refresh',
          value: 'revoked-refresh-token',
          domain: new URL(api.baseUrl).hostname,
          path: '/auth',
          httpOnly: true,
          sameSite: 'Strict',
        },
      ]);
      await bob.reload();
      await shown(bob.getByRole('button', { name: 'Log in' }));
      await shown(bob.getByText('Your session has ended'));
      expect(await bob.evaluate(() => localStorage.getItem('parley.session'))).toBeNull();
    });

    it('printed no errors to the console', () => {
      expect(errors.flat()).toEqual([]);
    });
  },
);
