// The chat page against a relay in jwt auth mode, in a real browser.
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { signToken, startJwtRelay } from '../auth/jwt-relay.js';
import { connectClient } from '../support/connect-client.js';
import { CHROMIUM, launchChromium, openPage } from '../support/launch-chromium.js';
import { waitForEvent } from '../support/wait-for-event.js';

const DEADLINE = { timeout: 5000 };

describe.skipIf(!CHROMIUM)('chat page with a token', () => {
  it('sends ?token= as auth.token, shows the name from the token, and takes the token out of the address bar', async () => {
    const { url } = await startJwtRelay();
    const listener = await connectClient(url, {
      auth: { token: await signToken({ sub: 'u-bob', name: 'Bob' }), room: 'general' },
    });
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    const token = await signToken({ sub: 'u-ann', name: 'Ann' });
    await page.goto(`${url}/?token=${token}&room=general`);
    expect(page.url()).not.toContain('token=');
    const name = page.getByLabel('Your name', { exact: true });
    expect(await name.inputValue()).toBe('Ann');
    expect(await name.getAttribute('readonly')).not.toBeNull();
    await page.getByLabel('Room', { exact: true }).press('Enter');
    await expect.poll(() => page.locator('#status-text').textContent(), DEADLINE).toBe('Connected');
    expect(await page.locator('#me').textContent()).toBe('You are Ann');

    const heard = waitForEvent<[string, MessageMeta]>(listener, 'sendMessageFromBack');
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('hello from the page');
    await input.press('Enter');
    const [text, meta] = await heard;
    expect(text).toBe('hello from the page');
    expect(meta.from).toMatchObject({ userId: 'u-ann', name: 'Ann' });
    expect(errors).toEqual([]);
  });

  // The claims were read as one character per byte: "José Müller" showed as "JosÃ© MÃ¼ller".
  it('reads a name of the token that is not ASCII as the relay does', async () => {
    const { url } = await startJwtRelay();
    const browser = await launchChromium();
    const { page, errors } = await openPage(browser);
    await page.goto(`${url}/?token=${await signToken({ sub: 'u-jose', name: 'José Müller 日本' })}`);
    expect(await page.getByLabel('Your name', { exact: true }).inputValue()).toBe('José Müller 日本');
    await page.getByLabel('Room', { exact: true }).press('Enter');
    await expect.poll(() => page.locator('#status-text').textContent(), DEADLINE).toBe('Connected');
    expect(await page.locator('#me').textContent()).toBe('You are José Müller 日本');
    expect(errors).toEqual([]);
  });

  it('shows why the relay refused a bad token', async () => {
    const { url } = await startJwtRelay();
    const browser = await launchChromium();
    const { page } = await openPage(browser);
    await page.goto(`${url}/?token=not-a-token`);
    await page.getByLabel('Room', { exact: true }).press('Enter');
    await expect
      .poll(() => page.locator('#join-error').textContent(), DEADLINE)
      .toContain('The relay refused to connect: the token is not a well-formed JWT');
  });
});
