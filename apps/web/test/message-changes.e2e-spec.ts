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
    let alice: Page;
    let bob: Page;
    let bobId: string;
    const errors: string[][] = [];

    beforeAll(async () => {
      [api, browser] = await Promise.all([
        ApiServer.create(inject('databaseUrl')),
        launchChromium(),
      ]);
      await api.register('alice', 'Alice');
      bobId = (await api.register('bob', 'Bob')).id;
      await api.register('carol', 'Carol');
      // Alice owns the group: she may delete anyone's message in it, Bob only his own.
      const owner = new ParleyClient({ baseUrl: api.baseUrl });
      await owner.login({ username: 'alice', password: PASSWORD });
      await owner.http.createConversation({
        type: 'group',
        name: 'Plans',
        memberIds: [bobId],
      });
      owner.close();

      const alicePage = await newPage(browser);
      const bobPage = await newPage(browser);
      alice = alicePage.page;
      bob = bobPage.page;
      errors.push(alicePage.errors, bobPage.errors);
      await signIn(alice, api.baseUrl, 'alice');
      await signIn(bob, api.baseUrl, 'bob');
      await conversations(alice).getByRole('link', { name: /Plans/ }).click();
      await shown(messagesLog(alice));
    });

    afterAll(async () => {
      await browser?.close();
      await api?.dispose();
    });

    it('mentions: @ suggests members by keyboard, highlights the mention, badges "1 mentions"', async () => {
      await send(alice, 'Good morning');
      await composer(alice).fill('');
      await composer(alice).pressSequentially('Lunch @b');
      const suggestions = alice.getByRole('listbox', { name: 'Mention suggestions' });
      await shown(suggestions.getByRole('option', { name: /Bob/ }));
      // Carol is no member: only members are offered.
      expect(await suggestions.getByRole('option', { name: /Carol/ }).count()).toBe(0);
      await composer(alice).press('Escape');
      await noneLeft(suggestions);
      await composer(alice).pressSequentially('o');
      await shown(suggestions);
      await composer(alice).press('Enter');
      await noneLeft(suggestions);
      expect(await composer(alice).inputValue()).toBe('Lunch @Bob ');
      await composer(alice).pressSequentially('at noon?');
      await composer(alice).press('Enter');
      await shown(messageRow(alice, 'Lunch @Bob at noon?'));

      // Bob has the app open, not this chat: the row counts the mention.
      const bobsRow = conversations(bob).getByRole('link', { name: /Plans/ });
      await shown(bobsRow.getByLabel('1 mentions', { exact: true }));
      await bobsRow.click();
      const mention = messageRow(bob, 'Lunch @Bob').locator('[data-mention]');
      await shown(mention);
      expect(await mention.textContent()).toBe('@Bob');
      await noneLeft(bobsRow.getByLabel(/mentions/));
    });

    it('edits in place: Save and Cancel, Escape cancels, the bubble says "edited"', async () => {
      await act(alice, 'Good morning', 'Edit');
      await shown(alice.getByRole('button', { name: 'Save', exact: true }));
      expect(await composer(alice).inputValue()).toBe('Good morning');
      await composer(alice).press('Escape');
      await noneLeft(alice.getByRole('button', { name: 'Save', exact: true }));
      expect(await composer(alice).inputValue()).toBe('');

      await act(alice, 'Good morning', 'Edit');
      await alice.getByRole('button', { name: 'Cancel', exact: true }).click();
      await noneLeft(alice.getByRole('button', { name: 'Save', exact: true }));

      await act(alice, 'Good morning', 'Edit');
      await composer(alice).fill('Good morning <b>all</b>');
      await alice.getByRole('button', { name: 'Save', exact: true }).click();
      await noneLeft(alice.getByRole('button', { name: 'Save', exact: true }));
      for (const page of [alice, bob]) {
        const row = messageRow(page, 'Good morning <b>all</b>');
        await shown(row.getByText('edited', { exact: true }));
        expect(await row.locator('b').count()).toBe(0);
      }
      // Only the sender edits.
      await messageRow(bob, 'Good morning').hover();
      await shown(messageRow(bob, 'Good morning').getByRole('button', { name: 'Reply' }));
      expect(
        await messageRow(bob, 'Good morning').getByRole('button', { name: 'Edit' }).count(),
      ).toBe(0);
    });

    it('reacts: a picker with quick and searched emojis, chips with counts that toggle', async () => {
      await act(bob, 'Good morning', 'React');
      const picker = bob.getByRole('dialog', { name: 'Choose a reaction' });
      await picker.getByRole('button', { name: '👍', exact: true }).click();
      await noneLeft(picker);
      const alicesChip = messageRow(alice, 'Good morning').getByRole('button', {
        name: '👍 1',
        exact: true,
      });
      await shown(alicesChip);
      expect(await alicesChip.getAttribute('title')).toBe('Bob');

      await alicesChip.click();
      const both = messageRow(alice, 'Good morning').getByRole('button', {
        name: '👍 2',
        exact: true,
      });
      await shown(both);
      expect(await both.getAttribute('aria-pressed')).toBe('true');
      expect(await both.getAttribute('title')).toBe('Bob, You');
      await shown(messageRow(bob, 'Good morning').getByRole('button', { name: '👍 2' }));
      await both.click();
      await shown(alicesChip);

      // The full set comes from the emoji data package, searched by name.
      await act(bob, 'Good morning', 'React');
      await picker.getByLabel('Search emoji').fill('party pop');
      await picker.getByRole('button', { name: 'party popper' }).click();
      await shown(messageRow(alice, 'Good morning').getByRole('button', { name: '🎉 1' }));
    });

    it('replies: a quoted strip while writing, the quote on the reply, a click scrolls to it', async () => {
      await act(bob, 'Lunch @Bob', 'Reply');
      const strip = bob.getByRole('group', { name: 'Replying to' });
      await shown(strip.getByText('Lunch @Bob at noon?'));
      await strip.getByRole('button', { name: 'Cancel reply' }).click();
      await noneLeft(strip);

      await act(bob, 'Lunch @Bob', 'Reply');
      await shown(strip);
      await send(bob, 'Noon works');
      await noneLeft(strip);
      const reply = messageRow(alice, 'Noon works');
      const quote = reply.getByRole('button', { name: /Lunch @Bob at noon\?/ });
      await shown(quote);
      // Alice's own message, quoted on her screen.
      expect(await quote.textContent()).toContain('You');
      expect(
        await messageRow(bob, 'Noon works').getByRole('button', { name: /Lunch/ }).textContent(),
      ).toContain('Alice');

      const original = messageRow(alice, 'Good morning');
      await original.evaluate((row) => {
        row.closest('[role="log"]')!.scrollTop = 0;
      });
      await quote.click();
      const quoted = messagesLog(alice)
        .locator('[data-seq]')
        .filter({ hasText: 'Lunch @Bob at noon?' });
      await expect.poll(() => quoted.first().isVisible()).toBe(true);
    });

    it('deletes with a confirmation: "This message was deleted" in its place and in quotes', async () => {
      // Bob deletes only his own; Alice, the group's owner, may delete his too.
      await messageRow(bob, 'Lunch @Bob').hover();
      await shown(messageRow(bob, 'Lunch @Bob').getByRole('button', { name: 'Reply' }));
      expect(
        await messageRow(bob, 'Lunch @Bob').getByRole('button', { name: 'Delete' }).count(),
      ).toBe(0);

      await act(alice, 'Lunch @Bob', 'Delete');
      const dialog = alice.getByRole('dialog', { name: 'Delete message?' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await noneLeft(dialog);
      await shown(messageRow(alice, 'Lunch @Bob at noon?'));

      await act(alice, 'Lunch @Bob', 'Delete');
      await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
      await noneLeft(dialog);
      for (const page of [alice, bob]) {
        await noneLeft(messagesLog(page).getByText('Lunch @Bob at noon?'));
        // The tombstone, and the reply's quote of it.
        await expect
          .poll(() => messagesLog(page).getByText('This message was deleted').count())
          .toBe(2);
        await shown(messageRow(page, 'Noon works').getByText('This message was deleted'));
      }

      await act(alice, 'Noon works', 'Delete');
      await alice
        .getByRole('dialog', { name: 'Delete message?' })
        .getByRole('button', { name: 'Delete', exact: true })
        .click();
      await noneLeft(messagesLog(bob).getByText('Noon works'));
      await shown(
        conversations(bob).getByRole('link', { name: /Plans/ }).getByText('Message deleted'),
      );
    });

    it('a quote of a message older than the loaded page shows it, and a click loads and scrolls to it', async () => {
      const writer = new ParleyClient({ baseUrl: api.baseUrl });
      await writer.login({ username: 'alice', password: PASSWORD });
      const archive = await writer.http.createConversation({
        type: 'group',
        name: 'Archive',
        memberIds: [bobId],
      });
      await writer.connect();
      for (let index = 1; index <= 60; index++) await writer.send(archive.id, `Archive ${index}`);
      await writer.send(archive.id, 'About the very first one', { replyToSeq: 1 });
      writer.close();

      await conversations(bob)
        .getByRole('link', { name: /Archive/ })
        .click();
      const reply = messageRow(bob, 'About the very first one');
      // Seq 1 is not in the latest page: the quote comes from GET /conversations/:id/messages/1.
      const quote = reply.getByRole('button', { name: /Archive 1$/ });
      await shown(quote);
      expect(await messagesLog(bob).locator('[data-seq="1"]').count()).toBe(0);
      await quote.click();
      const original = messagesLog(bob).locator('[data-seq="1"]');
      await shown(original);
      await expect
        .poll(async () => {
          const [row, log] = await Promise.all([
            original.boundingBox(),
            messagesLog(bob).boundingBox(),
          ]);
          return row !== null && log !== null && row.y >= log.y && row.y < log.y + log.height;
        })
        .toBe(true);
    });

    it('opens the actions with a long press on a touch screen', async () => {
      const phone = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
      const page = await phone.newPage();
      await signIn(page, api.baseUrl, 'bob');
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
      // Bob has the Archive open: Plans counts what Alice writes there.
      await send(alice, 'First of two');
      await composer(alice).pressSequentially('Second @Bo');
      await composer(alice).press('Enter');
      await composer(alice).press('Enter');
      await shown(messageRow(alice, 'Second @Bob'));
      const bobsRow = conversations(bob).getByRole('link', { name: /Plans/ });
      await shown(bobsRow.getByLabel('2 unread', { exact: true }));
      await shown(bobsRow.getByLabel('1 mentions', { exact: true }));

      await act(alice, 'Second @Bob', 'Delete');
      await alice
        .getByRole('dialog', { name: 'Delete message?' })
        .getByRole('button', { name: 'Delete', exact: true })
        .click();
      await shown(bobsRow.getByLabel('1 unread', { exact: true }));
      await noneLeft(bobsRow.getByLabel(/mentions/));
    });

    it('keeps the changes across a reload', async () => {
      await bob.reload();
      await conversations(bob).getByRole('link', { name: /Plans/ }).click();
      await shown(messageRow(bob, 'Good morning <b>all</b>').getByText('edited'));
      await shown(messageRow(bob, 'Good morning').getByRole('button', { name: '👍 1' }));
      await expect
        .poll(() => messagesLog(bob).getByText('This message was deleted').count())
        .toBe(3);
    });

    it('printed no errors to the console', () => {
      expect(errors.flat()).toEqual([]);
    });
  },
);
