// The chat page's online list and private messages, in a real browser against a real relay.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { listMembers } from '../../src/relay/list-members.js';
import { connectClient } from '../support/connect-client.js';
import { joinChatPage } from '../support/join-chat-page.js';
import { CHROMIUM, launchChromium, openPage } from '../support/launch-chromium.js';
import { startRelay } from '../support/start-relay.js';

const DEADLINE = { timeout: 5000 };

const online = (page: Page) => page.locator('#online-list li').allTextContents();

describe.skipIf(!CHROMIUM)('chat page online list', () => {
  it('shows who is in the room, follows joins and leaves, and marks a private message', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    const browser = await launchChromium();
    const alice = await openPage(browser);
    const bob = await openPage(browser);
    await joinChatPage(alice.page, url, 'Alice');
    await expect.poll(() => online(alice.page), DEADLINE).toEqual(['Alice']);
    await joinChatPage(bob.page, url, 'Bob');
    await expect.poll(() => online(alice.page), DEADLINE).toEqual(['Alice', 'Bob']);
    await expect.poll(() => online(bob.page), DEADLINE).toEqual(['Alice', 'Bob']);
    expect(await alice.page.locator('#online-title').textContent()).toBe('Online (2)');

    const { members } = await listMembers(server.io, 'general');
    const bobId = members.find((member) => member.name === 'Bob')?.userId as string;
    server.relay.publish('psst, Bob', {
      from: { id: 'ops', name: 'ops', kind: 'http' },
      room: 'general',
      to: bobId,
    });
    const whisper = bob.page.locator('#log li.message', { hasText: 'psst, Bob' });
    await expect.poll(() => whisper.locator('.badge.private').textContent(), DEADLINE).toBe('only you');

    await bob.page.getByRole('button', { name: 'Change name or room' }).click();
    await expect.poll(() => online(alice.page), DEADLINE).toEqual(['Alice']);
    expect(await alice.page.locator('#log li.message', { hasText: 'psst' }).count()).toBe(0);
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  // The relay names at most 500 people: a leave of one it did not name was not counted, and the count
  // stayed up for ever (it only grew in a busy room).
  it('counts the people of a room larger than the 500 names it shows, as they leave too', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const others = [];
    for (let i = 0; i < 505; i += 50) {
      const batch = Array.from({ length: Math.min(50, 505 - i) }, (_, n) =>
        connectClient(url, { transports: ['websocket'], auth: { name: `person ${i + n}`, room: 'general' } }),
      );
      others.push(...(await Promise.all(batch)));
    }
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    await joinChatPage(page, url, 'Zoe');
    const title = page.locator('#online-title');
    await expect.poll(() => title.textContent(), DEADLINE).toBe('Online (506)');
    expect(await page.locator('#online-list li').count()).toBe(500);
    for (const socket of others) socket.disconnect();
    await expect.poll(() => title.textContent(), { timeout: 10_000 }).toBe('Online (1)');
    expect(errors).toEqual([]);
  });

  // A refusal that passes (Redis away in cluster mode: RELAY_ERR_NOT_READY) left the list as it was
  // before the reconnection, stale until the next one. The page's module, driven by a socket that answers
  // `members` as the relay does: refused once, then the room.
  it('asks for the members again after a refusal that passes', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    await page.goto(url);
    // A string, so that vitest does not rewrite the page's own dynamic import.
    const asked = await page.evaluate(`(async () => {
      const { followOnline } = await import('./online-list.js');
      const list = document.createElement('ul');
      const title = document.createElement('h2');
      let asked = 0;
      const answers = [
        { ok: false, error: { code: 'RELAY_ERR_NOT_READY', message: 'Redis is away', retryAfterMs: 50 } },
        { ok: true, room: 'general', members: [{ userId: 'u-1', name: 'Alice' }], total: 1 },
      ];
      const socket = {
        connected: true,
        on: () => socket,
        timeout: () => ({
          emit: (event, request, reply) => {
            const answer = answers[Math.min(asked, answers.length - 1)];
            asked += 1;
            setTimeout(() => reply(null, answer), 0);
          },
        }),
      };
      followOnline(socket, list, title);
      const deadline = Date.now() + 5000;
      while (title.textContent !== 'Online (1)' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { asked, names: [...list.children].map((item) => item.textContent), title: title.textContent };
    })()`);
    expect(asked).toEqual({ asked: 2, names: ['Alice'], title: 'Online (1)' });
    expect(errors).toEqual([]);
  });
});
