import { type Browser, chromium, type Page } from 'playwright-core';
import { track } from './cleanup.js';
import { requireBinary } from './require-binary.js';

/** Debian's Chromium (CI installs it with apt); `undefined` outside CI when it is missing. */
export const CHROMIUM = requireBinary('chromium', {
  paths: ['/usr/bin/chromium'],
  install: 'apt-get install -y chromium',
});

// Headless and quiet: no GPU, no QUIC, no background traffic; launch() gives each browser a fresh profile.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium for the current test, with `extraArgs` after the defaults (e.g.
 * `--host-resolver-rules=MAP chat.example.com 127.0.0.1`); closed after it.
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!CHROMIUM) throw new Error('chromium is not available');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...ARGS, ...extraArgs],
    timeout: 20_000,
  });
  return track(browser, (b) => b.close());
}

/** A page whose uncaught errors and console errors are collected, for a test to assert there were none. */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return { page, errors };
}
