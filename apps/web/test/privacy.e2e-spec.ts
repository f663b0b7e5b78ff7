import { ParleyClient } from '@parley/client';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiServer } from './support/api-server';
import { launchChromium, newPage } from './support/browser';
import { chromiumPath, hasChromium } from './support/paths';

const PASSWORD = 'correct-horse-battery';

const shown = (locator: Locator, timeout = 10_000) =>
  locator.waitFor({ state: 'visible', timeout });
const noneLeft = (locator: Locator, timeout = 10_000) =>
  expect.poll(() => locator.count(), { timeout }).toBe(0);

/** Picks an option and waits until the server has answered the change. */
async function choose(select: Locator, label: string): Promise<void> {
  const saved = select
    .page()
    .waitForResponse(
      (response) =>
        response.url().endsWith('/users/me/privacy') && response.request().method() === 'PATCH',
    );
  await select.selectOption({ label });
  expect((await saved).status()).toBe(200);
}

const conversations = (page: Page) => page.getByRole('navigation', { name: 'Conversations' });
const requests = (page: Page) => page.getByRole('region', { name: 'Requests' });

/** A user driven through the SDK, as another person's app. */
async function signUp(api: ApiServer, username: string): Promise<ParleyClient> {
  const client = new ParleyClient({ baseUrl: api.baseUrl });
  await client.register({ username, password: PASSWORD });
  return client;
}

const suite = hasChromium ? describe : describe.skip;

suite(
  hasChromium
    ? 'privacy settings and message requests in Chromium'
    : `privacy settings and message requests in Chromium (skipped: no browser at ${chromiumPath})`,
  () => {
    let api: ApiServer;
    let browser: Browser;
    let page: Page;
    const errors: string[][] = [];
    const others: ParleyClient[] = [];

    beforeAll(async () => {
      [api, browser] = await Promise.all([
        ApiServer.create(inject('databaseUrl')),
        launchChromium(),
      ]);
      const opened = await newPage(browser);
      page = opened.page;
      errors.push(opened.errors);
      await page.goto(api.baseUrl);
      await page.getByLabel('Username').fill('pat');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await shown(conversations(page));
    });

    afterAll(async () => {
      for (const client of others) client.close();
      await browser?.close();
      await api?.dispose();
    });

    it('changes the privacy settings from the Settings dialog, and they stay', async () => {
      await page.getByRole('button', { name: 'Settings' }).click();
      const dialog = page.getByRole('dialog', { name: 'Settings' });
      const privacy = dialog.getByRole('region', { name: 'Privacy' });
      const presence = privacy.getByLabel("Who can see when I'm online");
      const directMessages = privacy.getByLabel('Who can message me');
      const groupAdds = privacy.getByLabel('Who can add me to groups');
      await shown(presence);
      expect(await presence.inputValue()).toBe('everyone');

      await choose(presence, 'My contacts');
      await shown(dialog.getByRole('status').filter({ hasText: 'Saved' }));
      await choose(directMessages, 'Requests from non-contacts');
      await choose(groupAdds, 'My contacts');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await noneLeft(dialog);

      await page.reload();
      await page.getByRole('button', { name: 'Settings' }).click();
      await shown(presence);
      await expect.poll(() => presence.inputValue()).toBe('contacts');
      expect(await directMessages.inputValue()).toBe('requests');
      expect(await groupAdds.inputValue()).toBe('contacts');
      await dialog.getByRole('button', { name: 'Close' }).click();
    });

    it('lists a message request apart; Accept moves it to the conversations', async () => {
      const dana = await signUp(api, 'dana');
      others.push(dana);
      const [pat] = await dana.http.searchUsers('pat');
      const conversation = await dana.http.createConversation({
        type: 'direct',
        memberId: pat!.id,
      });
      await dana.connect();
      await dana.send(conversation.id, 'Hi Pat, we met at the meetup');

      const request = requests(page).getByRole('listitem').filter({ hasText: 'dana' });
      await shown(request.getByText('Hi Pat, we met at the meetup'));
      expect(await conversations(page).getByRole('link', { name: /dana/ }).count()).toBe(0);

      await request.getByRole('button', { name: /^Accept/ }).click();
      await shown(conversations(page).getByRole('link', { name: /dana/ }));
      await noneLeft(requests(page));
      const view = await dana.http.getConversation(conversation.id);
      expect(view.members.map((member) => member.username).sort()).toEqual(['dana', 'pat']);
    });

    it('Decline, from the opened request, hides it for good', async () => {
      const eve = await signUp(api, 'eve');
      others.push(eve);
      const [pat] = await eve.http.searchUsers('pat');
      const conversation = await eve.http.createConversation({
        type: 'direct',
        memberId: pat!.id,
      });
      await eve.connect();
      await eve.send(conversation.id, 'Buy my course');

      const request = requests(page).getByRole('listitem').filter({ hasText: 'eve' });
      await shown(request);
      // Opened, the request shows its answers in the chat's header too.
      await request.getByRole('link').click();
      await shown(page.getByRole('heading', { name: /eve/ }));
      await page
        .getByRole('main')
        .getByRole('button', { name: /^Decline/ })
        .click();
      await noneLeft(requests(page));
      await noneLeft(page.getByRole('heading', { name: /eve/ }));
      await eve.send(conversation.id, 'Still there?');
      await page.reload();
      await shown(conversations(page).getByRole('link', { name: /dana/ }));
      expect(await requests(page).count()).toBe(0);
      expect(await conversations(page).getByRole('link', { name: /eve/ }).count()).toBe(0);
    });

    it('printed no errors to the console', () => {
      expect(errors.flat()).toEqual([]);
    });
  },
);
