// The chat page in a real browser (Debian's Chromium through playwright-core) against real relays.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { RelayServerOptions } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { joinChatPage } from '../support/join-chat-page.js';
import { CHROMIUM, launchChromium, openPage } from '../support/launch-chromium.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const ARTIFACTS = 'test-results/web';
// Bots keep their key-value stores here; .relaykit/ is gitignored.
const BOT_STORE = '.relaykit/test-web-bots';
const DEADLINE = { timeout: 5000 };

async function statusText(page: Page): Promise<string> {
  return (await page.locator('#status-text').textContent()) ?? '';
}

async function say(page: Page, text: string): Promise<void> {
  const input = page.getByLabel('Message', { exact: true });
  await input.fill(text);
  await input.press('Enter');
}

/** The text of every message in the log but the relay's greetings, as `sender: text`. */
function messages(page: Page): Promise<string[]> {
  return page
    .locator('#log li.message:not([data-kind="system"])')
    .evaluateAll((items) =>
      items.map(
        (item) =>
          `${item.querySelector('.message-from')?.textContent}: ${item.querySelector('.message-text')?.textContent}`,
      ),
    );
}

/**
 * Drops the page's connection, publishes `count` messages to general while it is away (`missed 1`…),
 * and waits until it is connected again; answers what was published.
 */
async function missWhileAway(
  server: Awaited<ReturnType<typeof startRelay>>['server'],
  page: Page,
  count: number,
): Promise<string[]> {
  const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
  for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
  await expect.poll(() => statusText(page), DEADLINE).not.toBe('Connected');
  const missed = Array.from({ length: count }, (_, i) => `missed ${i + 1}`);
  await Promise.all(missed.map((text) => server.relay.publish(text, { from, room: 'general' }).committed));
  await expect.poll(() => statusText(page), DEADLINE).toBe('Connected');
  return missed;
}

/**
 * A relay that never recovers a session (as after a restart), and a page joined to general as `name`
 * whose room's history has been shown.
 */
async function pageOnRelay(name: string, options: RelayServerOptions) {
  const { url, server } = await startRelay({ greeting: 'none', recoveryWindowMs: 0, ...options });
  const browser = await launchChromium();
  const { page, errors } = await openPage(browser);
  await joinChatPage(page, url, name);
  await expect.poll(() => page.locator('#log').getAttribute('aria-busy'), DEADLINE).toBe('false');
  return { url, server, page, errors };
}

describe.skipIf(!CHROMIUM)('chat page in a browser', () => {
  it('lets two pages chat with each other, Enter to send, sender and kind shown', async () => {
    const { url } = await startRelay();
    const browser = await launchChromium();
    const alice = await openPage(browser);
    const bob = await openPage(browser);
    await joinChatPage(alice.page, url, 'Alice');
    await joinChatPage(bob.page, url, 'Bob');

    // The page says who joined itself: the relay's greeting ("New user connected", for the seed's
    // clients) would read as if someone else had come, so the page asks for none (auth.greet: false).
    const notes = (page: Page) => page.locator('#log li.note').allTextContents();
    await expect.poll(() => notes(alice.page), DEADLINE).toEqual(['You joined #general']);
    await expect.poll(() => notes(bob.page), DEADLINE).toEqual(['You joined #general']);

    await say(alice.page, 'Hello Bob !');
    await expect.poll(() => messages(bob.page), DEADLINE).toContain('Alice: Hello Bob !');
    await say(bob.page, 'Hello Alice !');
    await expect
      .poll(() => messages(alice.page), DEADLINE)
      .toEqual(['Alice (you): Hello Bob !', 'Bob: Hello Alice !']);
    await expect
      .poll(() => messages(bob.page), DEADLINE)
      .toEqual(['Alice: Hello Bob !', 'Bob (you): Hello Alice !']);
    expect(await alice.page.getByLabel('Message', { exact: true }).inputValue()).toBe('');
    expect(await alice.page.evaluate(() => document.activeElement?.id)).toBe('message-input');

    mkdirSync(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: `${ARTIFACTS}/chat-page.png`, fullPage: true });
    expect(await alice.page.locator('#log li[data-kind="system"]').count()).toBe(0);
    expect(await bob.page.locator('#log li[data-kind="system"]').count()).toBe(0);
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it('shows the room history on join, loads older messages, and removes a redacted one', async () => {
    const { url, server } = await startRelay({ greeting: 'none', api: { tokens: ['ops:ops-s3cr3t:admin'] } });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    const ids: string[] = [];
    for (let i = 1; i <= 60; i += 1) {
      const published = server.relay.publish(`earlier ${i}`, { from, room: 'general' });
      await published.committed;
      ids.push(published.id);
    }
    const browser = await launchChromium();
    const carol = await openPage(browser);
    await joinChatPage(carol.page, url, 'Carol');
    // The newest 50, oldest first, then "load older" for the 10 before them.
    await expect.poll(async () => (await messages(carol.page)).length, DEADLINE).toBe(50);
    expect((await messages(carol.page))[0]).toBe('ops: earlier 11');
    await carol.page.getByRole('button', { name: 'Load older messages' }).click();
    await expect.poll(async () => (await messages(carol.page)).length, DEADLINE).toBe(60);
    expect((await messages(carol.page))[0]).toBe('ops: earlier 1');
    expect(await carol.page.getByRole('button', { name: 'Load older messages' }).count()).toBe(0);

    const redacted = await fetch(`${url}/v1/messages/${ids[59]}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer ops-s3cr3t' },
    });
    expect(redacted.status).toBe(204);
    await expect.poll(async () => (await messages(carol.page)).length, DEADLINE).toBe(59);
    expect(await messages(carol.page)).not.toContain('ops: earlier 60');
    expect(carol.errors).toEqual([]);
  });

  // The page read one page of 200, nothing in a room that was quiet when it joined, and showed a live
  // message that came during the read before the missed ones.
  it('fills a gap the relay could not recover: every page of it, in a room that was quiet, in order', async () => {
    const { url, server } = await startRelay({ greeting: 'none', recoveryWindowMs: 0 });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    await joinChatPage(page, url, 'Dana');
    await expect
      .poll(() => page.locator('#log li.note').allInnerTexts(), DEADLINE)
      .toEqual(['You joined #general']);
    // Where the room stood when the page joined (it was empty) has been read.
    await expect.poll(() => page.locator('#log').getAttribute('aria-busy'), DEADLINE).toBe('false');

    for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
    for (let i = 1; i <= 250; i += 1) server.relay.publish(`missed ${i}`, { from, room: 'general' });
    await expect.poll(() => statusText(page), DEADLINE).toBe('Connected');
    server.relay.publish('after the reconnection', { from, room: 'general' });
    const expected = [
      ...Array.from({ length: 250 }, (_, i) => `ops: missed ${i + 1}`),
      'ops: after the reconnection',
    ];
    await expect.poll(() => messages(page), { timeout: 10_000 }).toEqual(expected);
    expect(errors).toEqual([]);
  });

  // The page gave up a gap at its first refused page (the rate limit a long gap spends), and showed a
  // message redacted while the gap was read, which waited among the held ones.
  it('reads a gap past refusals of the rate limit, and never shows a held message that was redacted', async () => {
    const { url, server, page, errors } = await pageOnRelay('Gus', {
      rateLimit: { burst: 1, perSecond: 4 },
      api: { tokens: ['ops:ops-s3cr3t:admin'] },
    });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;

    const missed = await missWhileAway(server, page, 450);
    // The first page is shown; the next waits for the rate limit. Meanwhile a live message comes, and
    // is redacted before the gap is read to its end.
    await expect.poll(async () => (await messages(page)).length, DEADLINE).toBeGreaterThanOrEqual(200);
    const secret = server.relay.publish('a leaked secret', { from, room: 'general' });
    await secret.committed;
    const deleted = await fetch(`${url}/v1/messages/${secret.id}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer ops-s3cr3t' },
    });
    expect(deleted.status).toBe(204);
    await server.relay.publish('after the redaction', { from, room: 'general' }).committed;
    await expect
      .poll(() => messages(page), { timeout: 15_000 })
      .toEqual([...missed.map((text) => `ops: ${text}`), 'ops: after the redaction']);
    expect(errors).toEqual([]);
  });

  // A drop while a refused page waited to be asked again left the gap "being read" for good: the next
  // connection did not read on, and every later message was held, never shown.
  it('reads on after a drop that came while a refused page waited, and shows what comes after', async () => {
    const { server, page, errors } = await pageOnRelay('Lou', { rateLimit: { burst: 1, perSecond: 1 } });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    const missed = await missWhileAway(server, page, 300);
    await expect.poll(async () => (await messages(page)).length, DEADLINE).toBeGreaterThanOrEqual(200);
    // The second page was refused and waits (about 1 s at 1 token a second). The relay refuses
    // handshakes for longer than that, and drops the page.
    const engine = server.io.engine as unknown as { opts: { allowRequest?: unknown } };
    const allow = engine.opts.allowRequest;
    engine.opts.allowRequest = (_req: unknown, callback: (error: string, ok: boolean) => void) =>
      callback('down for a moment', false);
    for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
    await expect.poll(() => statusText(page), DEADLINE).not.toBe('Connected');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    engine.opts.allowRequest = allow;
    await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe('Connected');
    await server.relay.publish('after the outage', { from, room: 'general' }).committed;
    await expect
      .poll(() => messages(page), { timeout: 10_000 })
      .toEqual([...missed, 'after the outage'].map((text) => `ops: ${text}`));
    // The browser reports each refused handshake; nothing else went wrong.
    expect(errors.filter((error) => !error.includes('status of 403'))).toEqual([]);
  }, 40_000);

  // More live messages held during a gap than the log keeps: the history read brought them, the log
  // trimmed the older ones, and releasing the held ones appended those again, out of order.
  it('shows held messages once when more arrived during a gap than the log keeps', async () => {
    const { server, page, errors } = await pageOnRelay('Kim', { rateLimit: { burst: 1, perSecond: 2 } });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    // Every message item the log ever gets, by id: what was appended twice shows, even if trimmed since.
    await page.evaluate(() => {
      const added: string[] = [];
      (window as unknown as { added: string[] }).added = added;
      new MutationObserver((records) => {
        for (const record of records) {
          record.addedNodes.forEach((node) => {
            const id = (node as HTMLElement).dataset?.id;
            if (id) added.push(id);
          });
        }
      }).observe(document.getElementById('log') as HTMLElement, { childList: true });
    });
    const missed = await missWhileAway(server, page, 300);
    await expect.poll(async () => (await messages(page)).length, DEADLINE).toBeGreaterThanOrEqual(200);
    // The second page waits for the rate limit; 600 live messages come meanwhile, and are held.
    const live = Array.from({ length: 600 }, (_, i) => `live ${i + 1}`);
    await Promise.all(live.map((text) => server.relay.publish(text, { from, room: 'general' }).committed));
    const everything = [...missed, ...live].map((text) => `ops: ${text}`);
    await expect.poll(async () => (await messages(page)).at(-1), { timeout: 20_000 }).toBe('ops: live 600');
    // The newest the log keeps (its notes count too), each once, in order.
    const shown = await messages(page);
    expect(shown.length).toBeGreaterThan(450);
    expect(shown).toEqual(everything.slice(-shown.length));
    const added = await page.evaluate(() => (window as unknown as { added: string[] }).added);
    expect(added.length).toBe(new Set(added).size);
    expect(errors).toEqual([]);
  }, 30_000);

  // Its dedupe set kept 1000 ids and the log more: after paging back, the newest shown had left the set,
  // and a reconnection read from an old cursor and showed hundreds of messages twice.
  it('shows nothing twice after "Load older messages" went back past a thousand and the page reconnected', async () => {
    const { url, server } = await startRelay({ greeting: 'none', recoveryWindowMs: 0 });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    for (let i = 0; i < 1100; i += 100) {
      await Promise.all(
        Array.from(
          { length: 100 },
          (_, n) =>
            server.relay.publish(`earlier ${i + n + 1}`, { from, room: i % 200 === 0 ? 'general' : null })
              .committed,
        ),
      );
    }
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    await joinChatPage(page, url, 'Hal');
    await expect.poll(async () => (await messages(page)).length, DEADLINE).toBe(50);
    const button = page.getByRole('button', { name: 'Load older messages' });
    while ((await button.count()) > 0) {
      const count = (await messages(page)).length;
      await button.click();
      await expect.poll(async () => (await messages(page)).length, DEADLINE).toBeGreaterThan(count);
    }
    const before = await messages(page);
    expect(before).toHaveLength(1100);

    for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
    await expect.poll(() => statusText(page), DEADLINE).not.toBe('Connected');
    await expect.poll(() => statusText(page), DEADLINE).toBe('Connected');
    await server.relay.publish('after the reconnection', { from, room: 'general' }).committed;
    await expect
      .poll(async () => (await messages(page)).at(-1), DEADLINE)
      .toBe('ops: after the reconnection');
    expect(await messages(page)).toEqual([...before, 'ops: after the reconnection']);
    expect(errors).toEqual([]);
  });

  // The first history read, refused (here: the online list's request took the only token), left the
  // log empty without a word.
  it("asks the room's history again when the first read is refused for the rate limit", async () => {
    const { url, server } = await startRelay({ greeting: 'none', rateLimit: { burst: 1, perSecond: 4 } });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    for (const n of [1, 2, 3])
      await server.relay.publish(`earlier ${n}`, { from, room: 'general' }).committed;
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    await joinChatPage(page, url, 'Ivy');
    await expect
      .poll(() => messages(page), DEADLINE)
      .toEqual(['ops: earlier 1', 'ops: earlier 2', 'ops: earlier 3']);
    expect(errors).toEqual([]);
  });

  // The log trimmed its oldest item, "Load older messages" among them, and the ids it trimmed stayed
  // "shown", so they could never come back.
  it('keeps "Load older messages" in a busy room: what the log trimmed can be loaded again', async () => {
    const { url, server } = await startRelay({ greeting: 'none' });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    for (let i = 1; i <= 60; i += 1)
      await server.relay.publish(`earlier ${i}`, { from, room: 'general' }).committed;
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    await joinChatPage(page, url, 'Eve');
    await expect.poll(async () => (await messages(page)).length, DEADLINE).toBe(50);
    for (let i = 1; i <= 460; i += 1) server.relay.publish(`live ${i}`, { from, room: 'general' });
    await expect.poll(async () => (await messages(page)).at(-1), DEADLINE).toBe('ops: live 460');
    const before = await messages(page);
    expect(before.length).toBeLessThan(510);
    expect(before[0]).toMatch(/^ops: earlier (1[2-9]|[2-5]\d)$/); // the oldest ones were trimmed
    const button = page.getByRole('button', { name: 'Load older messages' });
    expect(await button.count()).toBe(1);
    await button.click();
    const everything = [
      ...Array.from({ length: 60 }, (_, i) => `ops: earlier ${i + 1}`),
      ...Array.from({ length: 460 }, (_, i) => `ops: live ${i + 1}`),
    ];
    await expect.poll(() => messages(page), DEADLINE).toEqual(everything);
    expect(errors).toEqual([]);
  });

  it('labels every kind of sender, and shows object content as its text or JSON', async () => {
    const { url, server } = await startRelay({ greeting: 'none' });
    const browser = await launchChromium();
    const { page } = await openPage(browser);
    await joinChatPage(page, url, 'Alice');
    // Every producer goes through the one publish path; these stand for a bot, the API and a schedule.
    const publish = server.relay.publish.bind(server.relay);
    publish('pong', { from: { id: 'b1', name: 'pingbot', kind: 'bot' }, room: 'general' });
    publish('Deploy done', { from: { id: 'ci', name: 'ci', kind: 'http' } });
    publish(
      { text: 'Stand-up in 5 minutes' },
      { from: { id: 'j1', name: 'standup', kind: 'schedule' }, room: 'general' },
    );
    publish({ build: 42 }, { from: { id: 'ci', name: 'ci', kind: 'http' }, room: 'general' });
    const rows = page.locator('#log li.message');
    await expect.poll(() => rows.count(), DEADLINE).toBe(4);
    const seen = await rows.evaluateAll((items) =>
      items.map((item) => ({
        kind: (item as HTMLElement).dataset.kind,
        from: item.querySelector('.message-from')?.textContent,
        badges: Array.from(item.querySelectorAll('.badge'), (badge) => badge.textContent),
        text: item.querySelector('.message-text')?.textContent,
        tag: item.querySelector('.message-text')?.tagName,
      })),
    );
    expect(seen).toEqual([
      { kind: 'bot', from: 'pingbot', badges: ['bot'], text: 'pong', tag: 'P' },
      { kind: 'http', from: 'ci', badges: ['announcement', 'everyone'], text: 'Deploy done', tag: 'P' },
      { kind: 'schedule', from: 'standup', badges: ['schedule'], text: 'Stand-up in 5 minutes', tag: 'P' },
      {
        kind: 'http',
        from: 'ci',
        badges: ['announcement'],
        text: JSON.stringify({ build: 42 }, null, 2),
        tag: 'PRE',
      },
    ]);
  });

  it('renders a rich announcement (title, link, fields, colour, status) as text, linking only http(s)', async () => {
    const { url, server } = await startRelay({ greeting: 'none' });
    const browser = await launchChromium();
    const { page } = await openPage(browser);
    await joinChatPage(page, url, 'Alice');
    const from = { id: 'hk_1', name: 'Alertmanager', kind: 'http' } as const;
    const script = '<img src=x onerror="window.__pwned = 1">';
    server.relay.publish(
      {
        text: '[FIRING:1] HighLatency',
        title: `[FIRING:1] ${script}`,
        link: 'https://alertmanager.example.com/',
        fields: [{ title: script, value: `<b>${script}</b>` }],
        color: '#e01e5a',
        status: 'firing',
        source: 'alertmanager',
      },
      { from, room: 'general' },
    );
    server.relay.publish(
      {
        text: 'second',
        title: 'no link',
        link: 'javascript:window.__pwned=2',
        color: 'red',
        source: 'slack',
      },
      { from, room: 'general' },
    );
    const cards = page.locator('#log li.message .message-card');
    await expect.poll(() => cards.count(), DEADLINE).toBe(2);
    const seen = await cards.evaluateAll((items) =>
      items.map((card) => ({
        link: card.querySelector('a')?.getAttribute('href') ?? null,
        title: card.querySelector('.card-title')?.textContent,
        fields: Array.from(card.querySelectorAll('dt, dd'), (cell) => cell.textContent),
        color: (card as HTMLElement).style.borderLeftColor,
      })),
    );
    expect(seen).toEqual([
      {
        link: 'https://alertmanager.example.com/',
        title: `firing[FIRING:1] ${script}`,
        fields: [script, `<b>${script}</b>`],
        color: 'rgb(224, 30, 90)',
      },
      { link: null, title: 'no link', fields: [], color: '' },
    ]);
    expect(await page.locator('#log img, #log b').count()).toBe(0);
    expect(await page.locator('#log .message-text').allTextContents()).toEqual([
      '[FIRING:1] HighLatency',
      'second',
    ]);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('keeps rooms apart', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const browser = await launchChromium();
    const general = await openPage(browser);
    const random = await openPage(browser);
    await joinChatPage(general.page, url, 'Alice', 'general');
    await joinChatPage(random.page, url, 'Bob', 'random');
    await say(general.page, 'only for general');
    await say(random.page, 'only for random');
    await expect.poll(() => messages(random.page), DEADLINE).toEqual(['Bob (you): only for random']);
    await expect.poll(() => messages(general.page), DEADLINE).toEqual(['Alice (you): only for general']);
    expect(await random.page.locator('#room-title').textContent()).toBe('#random');
  });

  it('shows a message containing HTML as text, and its onerror never runs', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const browser = await launchChromium();
    const alice = await openPage(browser);
    const bob = await openPage(browser);
    await joinChatPage(alice.page, url, 'Alice');
    await joinChatPage(bob.page, url, 'Bob');
    const payload = '<img src=x onerror="window.__pwned = (window.__pwned || 0) + 1"><b>bold?</b>';
    await say(alice.page, payload);
    await expect.poll(() => messages(bob.page), DEADLINE).toEqual([`Alice: ${payload}`]);
    // A later message proves the first one had all the time it needed to load its image and fail.
    await say(alice.page, 'after');
    await expect.poll(() => messages(bob.page), DEADLINE).toHaveLength(2);
    for (const { page } of [alice, bob]) {
      expect(await page.locator('#log img, #log b').count()).toBe(0);
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    }
  });

  it('recovers after the relay restarts on the same port, neither greeted nor welcomed again', async () => {
    // The default greeting and the shipped bots (welcome among them), as `relay serve` runs.
    const withBots = { plugins: 'plugins', botStoreDir: BOT_STORE };
    const first = await startRelay(withBots);
    const port = Number(new URL(first.url).port);
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    const welcome = 'welcome: Welcome to general, Alice!';
    await joinChatPage(page, first.url, 'Alice');
    await expect.poll(() => messages(page), DEADLINE).toEqual([welcome]);
    await say(page, 'before the restart');
    await expect.poll(() => messages(page), DEADLINE).toEqual([welcome, 'Alice (you): before the restart']);

    await first.server.close();
    await expect.poll(() => statusText(page), DEADLINE).toMatch(/reconnecting/i);
    await say(page, 'while down');
    await expect
      .poll(() => page.locator('#send-error').textContent(), DEADLINE)
      .toMatch(/not connected.*not sent/i);
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).toBe('while down');

    const second = await startRelay({ ...withBots, port });
    await expect.poll(() => statusText(page), { timeout: 10_000 }).toBe('Connected');
    // The page is back in its room on the new relay: a client there hears it.
    const listener = await connectClient(second.url, {
      auth: { name: 'Bob', room: 'general', greet: false },
    });
    // Bob is new there, and welcomed: the bot is up, and the page's reconnection before him was not welcomed.
    const bobWelcome = 'welcome: Welcome to general, Bob!';
    await expect
      .poll(() => messages(page), DEADLINE)
      .toEqual([welcome, 'Alice (you): before the restart', bobWelcome]);
    const heard = waitForEvent<[string]>(listener, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (content) => content === 'while down',
    });
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await heard;
    await expect
      .poll(() => messages(page), DEADLINE)
      .toEqual([welcome, 'Alice (you): before the restart', bobWelcome, 'Alice (you): while down']);
    const notes = await page.locator('#log li.note').allInnerTexts();
    expect(notes).toContain('Connection lost. Reconnecting…');
    expect(notes.filter((note) => note.startsWith('You joined'))).toEqual(['You joined #general']);
    expect(await page.locator('#log li[data-kind="system"]').count()).toBe(0);
    // The failed handshakes while the relay was down are the browser's own network errors, nothing else.
    expect(errors.filter((error) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(error))).toEqual(
      [],
    );
  });

  it('works under its own strict Content-Security-Policy, over WebSocket', async () => {
    const { url, server } = await startRelay({ greeting: 'none' });
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(url);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response?.headers()['content-security-policy']).not.toContain('unsafe-inline');
    await joinChatPage(page, url, 'Alice');
    await say(page, 'under CSP');
    await expect.poll(() => messages(page), DEADLINE).toEqual(['Alice (you): under CSP']);
    // The stylesheet applied: the body is a flex column only through style.css.
    expect(await page.evaluate(() => getComputedStyle(document.body).flexDirection)).toBe('column');
    // connect-src 'self' let the socket upgrade from polling to WebSocket.
    const transports = () => [...server.io.of('/').sockets.values()].map((s) => s.conn.transport.name);
    await expect.poll(transports, DEADLINE).toEqual(['websocket']);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('is usable from the keyboard: labels, focus order, Enter to join and send', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const browser = await launchChromium();
    const { page } = await openPage(browser);
    await page.goto(url);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('name-input');
    await page.keyboard.type('Keyboard Kim');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('room-input');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('keys');
    await page.keyboard.press('Enter');
    await expect.poll(() => statusText(page), DEADLINE).toBe('Connected');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('message-input');
    await page.keyboard.type('typed, then Enter');
    await page.keyboard.press('Enter');
    await expect.poll(() => messages(page), DEADLINE).toEqual(['Keyboard Kim (you): typed, then Enter']);
    const log = page.getByRole('log', { name: 'Messages' });
    expect(await log.getAttribute('aria-live')).toBe('polite');
    expect(await page.getByRole('status').count()).toBe(1);

    // A bad room is refused on the page, with the reason, before anything is sent.
    await page.getByRole('button', { name: 'Change name or room' }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('name-input');
    await page.getByLabel('Room', { exact: true }).fill('no spaces please');
    await page.getByLabel('Room', { exact: true }).press('Enter');
    expect(await page.getByRole('alert').first().textContent()).toMatch(/room names/i);
    expect(await page.getByLabel('Room', { exact: true }).getAttribute('aria-invalid')).toBe('true');
  });
  it('shows an announcement posted to the HTTP API on pages in every room', async () => {
    const { url } = await startRelay({
      greeting: 'none',
      api: { tokens: ['deploys:deploys-s3cr3t:publish'] },
    });
    const browser = await launchChromium();
    const alice = await openPage(browser);
    const bob = await openPage(browser);
    await joinChatPage(alice.page, url, 'Alice', 'general');
    await joinChatPage(bob.page, url, 'Bob', 'random');

    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer deploys-s3cr3t', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Deploy freeze starts at 18:00 UTC' }),
    });
    expect(response.status).toBe(202);
    for (const { page } of [alice, bob]) {
      const announcement = page.locator('#log li[data-kind="http"]');
      await expect.poll(() => announcement.count(), DEADLINE).toBe(1);
      expect(await announcement.locator('.message-from').textContent()).toBe('deploys');
      expect(await announcement.locator('.badge').allTextContents()).toEqual(['announcement', 'everyone']);
      expect(await announcement.locator('.message-text').textContent()).toBe(
        'Deploy freeze starts at 18:00 UTC',
      );
    }
  });

  it('shows a bot answering !ping to everyone in the room', async () => {
    const { url } = await startRelay({ greeting: 'none', plugins: 'plugins', botStoreDir: BOT_STORE });
    const browser = await launchChromium();
    const alice = await openPage(browser);
    const bob = await openPage(browser);
    await joinChatPage(alice.page, url, 'Alice');
    await joinChatPage(bob.page, url, 'Bob');
    await say(alice.page, '!ping');
    for (const { page } of [alice, bob]) {
      const answer = page.locator('#log li[data-kind="bot"]').filter({ hasText: 'pong' });
      await expect.poll(() => answer.count(), DEADLINE).toBe(1);
      expect(await answer.locator('.message-from').textContent()).toBe('ping');
      expect(await answer.locator('.badge').textContent()).toBe('bot');
      expect(await answer.locator('.message-text').textContent()).toMatch(/^pong \(\d+ ms\)$/);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    await bob.page.screenshot({ path: `${ARTIFACTS}/chat-page-bot.png`, fullPage: true });
  });
});
