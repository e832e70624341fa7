import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Opens the chat page at `url`, fills its join form with the keyboard (`name`, `room`) and waits up to
 * 5 s until it says it is connected.
 */
export async function joinChatPage(page: Page, url: string, name: string, room = 'general'): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Your name', { exact: true }).fill(name);
  await page.getByLabel('Room', { exact: true }).fill(room);
  await page.getByLabel('Room', { exact: true }).press('Enter');
  await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 5000 }).toBe('Connected');
}
