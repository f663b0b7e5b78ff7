import { ParleyClient } from '@parley/client';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiServer } from './support/api-server';
import { launchChromium, newPage, PHONE } from './support/browser';
import { chromiumPath, hasChromium } from './support/paths';

/** The password ApiServer.register gives everyone. */
const PASSWORD = 'password-123';

const shown = (locator: Locator, timeout = 10_000) =>
  locator.waitFor({ state: 'visible', timeout });
const noneLeft = (locator: Locator, timeout = 10_000) =>
  expect.poll(() => locator.count(), { timeout }).toBe(0);

const conversations = (page: Page) => page.getByRole('navigation', { name: 'Conversations' });
const messagesLog = (page: Page) => page.getByRole('log', { name: 'Messages' });
/** The row of the first message whose text (or quote) contains `text`. */
const messageRow = (page: Page, text: string) =>
  messagesLog(page).getByRole('listitem').filter({ hasText: text }).first();
const composer = (page: Page) => page.getByLabel('Message', { exact: true });

async function signIn(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await shown(conversations(page));
}

async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await shown(messageRow(page, text));
}

/** Hovers a message and clicks one of its actions. */
async function act(page: Page, text: string, action: string): Promise<void> {
  const row = messageRow(page, text);
  await row.hover();
  await row.getByRole('button', { name: action, exact: true }).click();
}

const suite = hasChromium ? describe : describe.skip;

suite(
  hasChromium
    ? 'message changes in Chromium: edit, delete, react, reply, mention'
    : `message changes in Chromium (skipped: no browser at ${chromiumPath})`,
  () => {
    let api: ApiServer;
    let browser: Browser;
    let maya: Page;
    let noel: Page;
    let noelId: string;
    const errors: string[][] = [];

    beforeAll(async () => {
      [api, browser] = await Promise.all([
        ApiServer.create(inject('databaseUrl')),
        launchChromium(),
      ]);
      await api.register('maya', 'Maya');
      noelId = (await api.register('noel', 'Noel')).id;
      const oliveId = (await api.register('olive', 'Olive')).id;
      // Registered, but no member of the group: never offered as a mention.
      await api.register('pia', 'Pia');
      // Maya owns the group: she may delete anyone's message in it, Noel only his own.
      const owner = new ParleyClient({ baseUrl: api.baseUrl });
      await owner.login({ username: 'maya', password: PASSWORD });
      await owner.http.createConversation({
        type: 'group',
        name: 'Plans',
        memberIds: [noelId, oliveId],
      });
      owner.close();

      const mayaPage = await newPage(browser);
      const noelPage = await newPage(browser);
      maya = mayaPage.page;
      noel = noelPage.page;
      errors.push(mayaPage.errors, noelPage.errors);
      await signIn(maya, api.baseUrl, 'maya');
      await signIn(noel, api.baseUrl, 'noel');
      await conversations(maya).getByRole('link', { name: /Plans/ }).click();
      await shown(messagesLog(maya));
    });

    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
    });

    it('mentions: @ suggests members by keyboard, highlights the mention, badges "1 mentions"', async () => {
      await send(maya, 'Good morning');
      const suggestions = maya.getByRole('listbox', { name: 'Mention suggestions' });
      const selected = suggestions.getByRole('option', { selected: true });
      // A bare @ offers every other member; arrows move the choice, Tab takes it.
      await composer(maya).pressSequentially('@');
      await shown(suggestions.getByRole('option', { name: /Olive/ }));
      expect(await suggestions.getByRole('option').allTextContents()).toEqual([
        'Noel@noel',
        'Olive@olive',
      ]);
      expect(await selected.textContent()).toBe('Noel@noel');
      await composer(maya).press('ArrowDown');
      expect(await selected.textContent()).toBe('Olive@olive');
      await composer(maya).press('ArrowDown');
      expect(await selected.textContent()).toBe('Noel@noel');
      await composer(maya).press('ArrowUp');
      await composer(maya).press('Tab');
      expect(await composer(maya).inputValue()).toBe('@Olive ');
      await composer(maya).fill('');

      await composer(maya).pressSequentially('Lunch @n');
      await shown(suggestions.getByRole('option', { name: /Noel/ }));
      expect(await suggestions.getByRole('option').count()).toBe(1);
      await composer(maya).press('Escape');
      await noneLeft(suggestions);
      await composer(maya).pressSequentially('o');
      await shown(suggestions);
      await composer(maya).press('Enter');
      await noneLeft(suggestions);
      expect(await composer(maya).inputValue()).toBe('Lunch @Noel ');
      await composer(maya).pressSequentially('at noon?');
      await composer(maya).press('Enter');
      await shown(messageRow(maya, 'Lunch @Noel at noon?'));

      // Noel has the app open, not this chat: the row counts the mention.
      const noelsRow = conversations(noel).getByRole('link', { name: /Plans/ });
      await shown(noelsRow.getByLabel('1 mentions', { exact: true }));
      await noelsRow.click();
      const mention = messageRow(noel, 'Lunch @Noel').locator('[data-mention]');
      await shown(mention);
      expect(await mention.textContent()).toBe('@Noel');
      await noneLeft(noelsRow.getByLabel(/mentions/));
    });

    it('edits in place: Save and Cancel, Escape cancels, the bubble says "edited"', async () => {
      await act(maya, 'Good morning', 'Edit');
      await shown(maya.getByRole('button', { name: 'Save', exact: true }));
      expect(await composer(maya).inputValue()).toBe('Good morning');
      await composer(maya).press('Escape');
      await noneLeft(maya.getByRole('button', { name: 'Save', exact: true }));
      expect(await composer(maya).inputValue()).toBe('');

      await act(maya, 'Good morning', 'Edit');
      await maya.getByRole('button', { name: 'Cancel', exact: true }).click();
      await noneLeft(maya.getByRole('button', { name: 'Save', exact: true }));

      await act(maya, 'Good morning', 'Edit');
      await composer(maya).fill('Good morning <b>all</b>');
      await maya.getByRole('button', { name: 'Save', exact: true }).click();
      await noneLeft(maya.getByRole('button', { name: 'Save', exact: true }));
      for (const page of [maya, noel]) {
        const row = messageRow(page, 'Good morning <b>all</b>');
        await shown(row.getByText('edited', { exact: true }));
        expect(await row.locator('b').count()).toBe(0);
      }
      // Only the sender edits.
      await messageRow(noel, 'Good morning').hover();
      await shown(messageRow(noel, 'Good morning').getByRole('button', { name: 'Reply' }));
      expect(
        await messageRow(noel, 'Good morning').getByRole('button', { name: 'Edit' }).count(),
      ).toBe(0);
    });

    it('reacts: a picker with quick and searched emojis, chips with counts that toggle', async () => {
      await act(noel, 'Good morning', 'React');
      const picker = noel.getByRole('dialog', { name: 'Choose a reaction' });
      await picker.getByRole('button', { name: '👍', exact: true }).click();
      await noneLeft(picker);
      const mayasChip = messageRow(maya, 'Good morning').getByRole('button', {
        name: '👍 1',
        exact: true,
      });
      await shown(mayasChip);
      expect(await mayasChip.getAttribute('title')).toBe('Noel');

      await mayasChip.click();
      const both = messageRow(maya, 'Good morning').getByRole('button', {
        name: '👍 2',
        exact: true,
      });
      await shown(both);
      expect(await both.getAttribute('aria-pressed')).toBe('true');
      expect(await both.getAttribute('title')).toBe('Noel, You');
      await shown(messageRow(noel, 'Good morning').getByRole('button', { name: '👍 2' }));
      await both.click();
      await shown(mayasChip);

      // The full set comes from the emoji data package, searched by name.
      await act(noel, 'Good morning', 'React');
      await picker.getByLabel('Search emoji').fill('party pop');
      await picker.getByRole('button', { name: 'party popper' }).click();
      await shown(messageRow(maya, 'Good morning').getByRole('button', { name: '🎉 1' }));
    });

    it('replies: a quoted strip while writing, the quote on the reply, a click scrolls to it', async () => {
      await act(noel, 'Lunch @Noel', 'Reply');
      const strip = noel.getByRole('group', { name: 'Replying to' });
      await shown(strip.getByText('Lunch @Noel at noon?'));
      await strip.getByRole('button', { name: 'Cancel reply' }).click();
      await noneLeft(strip);

      await act(noel, 'Lunch @Noel', 'Reply');
      await shown(strip);
      await send(noel, 'Noon works');
      await noneLeft(strip);
      const reply = messageRow(maya, 'Noon works');
      const quote = reply.getByRole('button', { name: /Lunch @Noel at noon\?/ });
      await shown(quote);
      // Maya's own message, quoted on her screen.
      expect(await quote.textContent()).toContain('You');
      expect(
        await messageRow(noel, 'Noon works').getByRole('button', { name: /Lunch/ }).textContent(),
      ).toContain('Maya');

      const original = messageRow(maya, 'Good morning');
      await original.evaluate((row) => {
        row.closest('[role="log"]')!.scrollTop = 0;
      });
      await quote.click();
      const quoted = messagesLog(maya)
        .locator('[data-seq]')
        .filter({ hasText: 'Lunch @Noel at noon?' });
      await expect.poll(() => quoted.first().isVisible()).toBe(true);
    });

    it('deletes with a confirmation: "This message was deleted" in its place and in quotes', async () => {
      // Noel deletes only his own; Maya, the group's owner, may delete his too.
      await messageRow(noel, 'Lunch @Noel').hover();
      await shown(messageRow(noel, 'Lunch @Noel').getByRole('button', { name: 'Reply' }));
      expect(
        await messageRow(noel, 'Lunch @Noel').getByRole('button', { name: 'Delete' }).count(),
      ).toBe(0);

      await act(maya, 'Lunch @Noel', 'Delete');
      const dialog = maya.getByRole('dialog', { name: 'Delete message?' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await noneLeft(dialog);
      await shown(messageRow(maya, 'Lunch @Noel at noon?'));

      await act(maya, 'Lunch @Noel', 'Delete');
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
      await noneLeft(dialog);
      for (const page of [maya, noel]) {
        await noneLeft(messagesLog(page).getByText('Lunch @Noel at noon?'));
        // The tombstone, and the reply's quote of it.
        await expect
          .poll(() => messagesLog(page).getByText('This message was deleted').count())
          .toBe(2);
        await shown(messageRow(page, 'Noon works').getByText('This message was deleted'));
      }

      await act(maya, 'Noon works', 'Delete');
      await maya
        .getByRole('dialog', { name: 'Delete message?' })
        .getByRole('button', { name: 'Delete', exact: true })
        .click();
      await noneLeft(messagesLog(noel).getByText('Noon works'));
      await shown(
        conversations(noel).getByRole('link', { name: /Plans/ }).getByText('Message deleted'),
      );
    });

    it('a quote of a message older than the loaded page shows it, and a click loads and scrolls to it', async () => {
      const writer = new ParleyClient({ baseUrl: api.baseUrl });
      await writer.login({ username: 'maya', password: PASSWORD });
      const archive = await writer.http.createConversation({
        type: 'group',
        name: 'Archive',
        memberIds: [noelId],
      });
      await writer.connect();
      for (let index = 1; index <= 60; index++) await writer.send(archive.id, `Archive ${index}`);
      await writer.send(archive.id, 'About the very first one', { replyToSeq: 1 });
      writer.close();

      await conversations(noel)
        .getByRole('link', { name: /Archive/ })
        .click();
      const reply = messageRow(noel, 'About the very first one');
      // Seq 1 is not in the latest page: the quote comes from GET /conversations/:id/messages/1.
      const quote = reply.getByRole('button', { name: /Archive 1$/ });
      await shown(quote);
      expect(await messagesLog(noel).locator('[data-seq="1"]').count()).toBe(0);
      await quote.click();
      const original = messagesLog(noel).locator('[data-seq="1"]');
      await shown(original);
      await expect
        .poll(async () => {
          const [row, log] = await Promise.all([
            original.boundingBox(),
            messagesLog(noel).boundingBox(),
          ]);
          return row !== null && log !== null && row.y >= log.y && row.y < log.y + log.height;
        })
        .toBe(true);
    });

    it('opens the actions with a long press on a touch screen', async () => {
      const phone = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
      const page = await phone.newPage();
      await signIn(page, api.baseUrl, 'noel');
      await conversations(page).getByRole('link', { name: /Plans/ }).click();
      const row = messageRow(page, 'Good morning');
      await shown(row);
      expect(await row.getByRole('button', { name: 'Reply' }).count()).toBe(0);
      await row.locator('[dir="auto"]').dispatchEvent('pointerdown', { pointerType: 'touch' });
      await shown(row.getByRole('button', { name: 'Reply' }));
      await shown(row.getByRole('button', { name: 'React' }));
      await phone.close();
    });

    it('a deleted message stops counting as unread and as a mention', async () => {
      // Noel has the Archive open: Plans counts what Maya writes there.
      await send(maya, 'First of two');
      await composer(maya).pressSequentially('Second @No');
      await composer(maya).press('Enter');
      await composer(maya).press('Enter');
      await shown(messageRow(maya, 'Second @Noel'));
      const noelsRow = conversations(noel).getByRole('link', { name: /Plans/ });
      await shown(noelsRow.getByLabel('2 unread', { exact: true }));
      await shown(noelsRow.getByLabel('1 mentions', { exact: true }));

      await act(maya, 'Second @Noel', 'Delete');
      await maya
        .getByRole('dialog', { name: 'Delete message?' })
        .getByRole('button', { name: 'Delete', exact: true })
        .click();
      await shown(noelsRow.getByLabel('1 unread', { exact: true }));
      await noneLeft(noelsRow.getByLabel(/mentions/));
    });

    it('keeps the changes across a reload', async () => {
      await noel.reload();
      await conversations(noel).getByRole('link', { name: /Plans/ }).click();
      await shown(messageRow(noel, 'Good morning <b>all</b>').getByText('edited'));
      await shown(messageRow(noel, 'Good morning').getByRole('button', { name: '👍 1' }));
      await expect
        .poll(() => messagesLog(noel).getByText('This message was deleted').count())
        .toBe(3);
    });

    it('printed no errors to the console', () => {
      expect(errors.flat()).toEqual([]);
    });
  },
);
