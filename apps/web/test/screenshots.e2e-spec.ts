import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ParleyClient } from '@parley/client';
import type { Conversation } from '@parley/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { ApiServer } from './support/api-server';
import { DESKTOP, launchChromium, newPage, PHONE } from './support/browser';
import { hasChromium, repoRoot } from './support/paths';

/**
 * Writes the README's screenshots to docs/screenshots (run with SCREENSHOTS=1): a seeded
 * server, Alice signed in, each main screen at desktop and phone size.
 */
const outputDir = join(repoRoot, 'docs/screenshots');
const PASSWORD = 'password-123';

type Person = 'alice' | 'bob' | 'carol' | 'dave';
const people: Record<Person, string> = {
  alice: 'Alice Martin',
  bob: 'Bob Chen',
  carol: 'Carol Diaz',
  dave: 'Dave Okafor',
};

describe.skipIf(!hasChromium)('screenshots', () => {
  let api: ApiServer;
  let browser: Browser;
  const clients = {} as Record<Person, ParleyClient>;
  const ids = {} as Record<Person, string>;
  let weekendTrip: Conversation;

  const say = async (who: Person, conversation: Conversation, ...lines: string[]) => {
    for (const line of lines) await clients[who].send(conversation.id, line);
  };
  const direct = async (who: Person, other: Person) =>
    clients[who].http.createConversation({ type: 'direct', memberId: ids[other] });

  beforeAll(async () => {
    mkdirSync(outputDir, { recursive: true });
    [api, browser] = await Promise.all([ApiServer.create(inject('databaseUrl')), launchChromium()]);
    for (const [who, displayName] of Object.entries(people) as [Person, string][]) {
      ids[who] = (await api.register(who, displayName)).id;
      clients[who] = new ParleyClient({ baseUrl: api.baseUrl });
      await clients[who].login({ username: who, password: 'password-123' });
      await clients[who].connect();
    }

    const design = await clients.carol.http.createConversation({
      type: 'group',
      name: 'Design team',
      memberIds: [ids.alice, ids.bob, ids.dave],
    });
    await say('carol', design, 'New mockups are in the shared folder');
    await say('dave', design, 'Love the new colours', 'Can we go over the chat screen tomorrow?');
    await say('carol', design, 'Sure, 10:00 works for me');
    await clients.carol.send(design.id, '@Alice Martin could you review the new chat screen?', {
      mentions: [ids.alice],
    });

    const withDave = await direct('alice', 'dave');
    await say('alice', withDave, 'Thanks for the book recommendation!');
    await say('dave', withDave, 'Sounds good, see you Monday!');
    await clients.alice.markRead(withDave.id, 2);

    const withCarol = await direct('carol', 'alice');
    await say('carol', withCarol, 'Are you coming to the meetup?', 'I saved you a seat');

    weekendTrip = await clients.alice.http.createConversation({
      type: 'group',
      name: 'Weekend trip',
      memberIds: [ids.bob, ids.carol, ids.dave],
    });
    await say('alice', weekendTrip, 'Who is up for the lake this Saturday? 🏕️');
    await say('bob', weekendTrip, 'Count me in! I can drive, there is room for three more.');
    await say('carol', weekendTrip, 'Yes please 🙌 I will bring the kayak');
    await say('dave', weekendTrip, 'Me too. What time are we leaving?');
    await say('alice', weekendTrip, 'Let us say 8:30 at the station, so we beat the traffic');
    await say('bob', weekendTrip, 'Perfect. The forecast says 24° and sunny ☀️');
    await say('carol', weekendTrip, 'This is the spot I meant: https://example.com/lake-view');
    await say('alice', weekendTrip, 'Looks amazing!\nI will book the picnic table 🧺');
    // Reactions, an edit and a reply with a mention (contract section 6).
    await clients.bob.react(weekendTrip.id, 1, '👍', true);
    await clients.carol.react(weekendTrip.id, 1, '👍', true);
    await clients.dave.react(weekendTrip.id, 1, '🎉', true);
    await clients.carol.editMessage(
      weekendTrip.id,
      3,
      'Yes please 🙌 I will bring the kayak and two paddles',
    );
    await clients.dave.send(weekendTrip.id, 'Works for me @Alice Martin, I will bring coffee ☕', {
      replyToSeq: 5,
      mentions: [ids.alice],
    });
    await clients.bob.react(weekendTrip.id, 8, '❤️', true);

    const withBob = await direct('bob', 'alice');
    await say('bob', withBob, 'Did you see the photos from last weekend?');
    await say('alice', withBob, 'Yes! The sunset one is my favourite');
    await say('bob', withBob, 'I will print it for you 📸');
    // Carol and Dave go offline; Bob stays online (a green dot).
    clients.carol.disconnect();
    clients.dave.disconnect();
  });

  afterAll(async () => {
    for (const client of Object.values(clients)) client.close();
    await browser?.close();
    await api?.dispose();
  });

  const shot = async (page: Page, name: string) => {
    // No hover highlight where the last click happened.
    await page.mouse.move(0, page.viewportSize()!.height - 1);
    await page.screenshot({ path: join(outputDir, `${name}.png`), animations: 'disabled' });
  };

  async function signedIn(viewport: typeof DESKTOP): Promise<Page> {
    const { page } = await newPage(browser, viewport);
    await page.goto(api.baseUrl);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByRole('navigation', { name: 'Conversations' })
      .getByRole('link')
      .nth(4)
      .waitFor();
    return page;
  }

  async function openWeekendTrip(page: Page, reply: string): Promise<void> {
    await page.getByRole('link', { name: /Weekend trip/ }).click();
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText('picnic table').waitFor();
    await page.getByLabel('Message').fill(reply);
    await page.getByLabel('Message').press('Enter');
    await log
      .getByRole('listitem')
      .filter({ hasText: reply })
      .getByRole('img', { name: 'Sent' })
      .waitFor();
    // Bob reads everything and starts typing just before the picture.
    const { messages } = await clients.bob.http.getMessages(weekendTrip.id, { limit: 1 });
    await clients.bob.markRead(weekendTrip.id, messages.at(-1)!.seq);
    await log
      .getByRole('listitem')
      .filter({ hasText: reply })
      .getByRole('img', { name: 'Read' })
      .waitFor();
    await clients.bob.setTyping(weekendTrip.id, true);
    await page.getByText('Bob Chen is typing...').waitFor();
    await page.waitForTimeout(300);
  }

  for (const [size, viewport, reply] of [
    ['desktop', DESKTOP, 'I will bring snacks for the ride'],
    ['phone', PHONE, 'See you all at 8:30!'],
  ] as const) {
    it(`${size}: sign-in`, async () => {
      const { page, context } = await newPage(browser, viewport);
      await page.goto(api.baseUrl);
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      await page.evaluate(() => document.fonts.ready);
      await shot(page, `${size}-sign-in`);
      await context.close();
    });

    it(`${size}: conversations and chat`, async () => {
      const page = await signedIn(viewport);
      if (size === 'phone') await shot(page, 'phone-conversations');
      await openWeekendTrip(page, reply);
      await shot(page, `${size}-chat`);
      if (size === 'desktop') {
        // A message's actions on hover, and the reaction picker.
        const row = page
          .getByRole('log', { name: 'Messages' })
          .getByRole('listitem')
          .filter({ hasText: 'I will bring coffee' });
        await row.hover();
        await row.getByRole('button', { name: 'React' }).click();
        const picker = page.getByRole('dialog', { name: 'Choose a reaction' });
        await picker.getByRole('button', { name: 'thumbs up' }).waitFor();
        await page.waitForTimeout(300);
        await page.screenshot({
          path: join(outputDir, 'desktop-message-actions.png'),
          animations: 'disabled',
        });
        await page.keyboard.press('Escape');
      }
      await page.getByRole('button', { name: 'Members' }).click();
      await page.getByRole('dialog', { name: 'Group info' }).getByText('Owner').waitFor();
      await page
        .getByRole('dialog', { name: 'Group info' })
        .getByText('Dave Okafor')
        .last()
        .waitFor();
      await page.waitForTimeout(300);
      await shot(page, `${size}-group-members`);
      await page.getByRole('button', { name: 'Close' }).click();
      if (size === 'phone')
        await page.getByRole('button', { name: 'Back to conversations' }).click();
      await page.getByRole('button', { name: 'New conversation' }).click();
      const dialog = page.getByRole('dialog', { name: 'New conversation' });
      await dialog.getByLabel('Search people').fill('ca');
      await dialog.getByRole('radio', { name: /Carol Diaz/ }).check();
      await page.waitForTimeout(300);
      await shot(page, `${size}-new-conversation`);
      await page.context().close();
    });
  }
});
