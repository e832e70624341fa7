import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEB_PAGE_DIR } from '../../src/web/web-page-dir.js';
import { startRelay } from '../support/start-relay.js';

describe('web page mount', () => {
  it('serves the chat page, its assets and socket.io client at / by default', async () => {
    const { url } = await startRelay();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('unsafe');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');

    for (const [path, type] of [
      ['/app.js', /javascript/],
      ['/style.css', /^text\/css/],
      ['/favicon.svg', /^image\/svg\+xml/],
      // What app.js imports: socket.io serves its own client, so the page needs no build step.
      ['/socket.io/socket.io.esm.min.js', /javascript/],
    ] as const) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(type);
    }
    expect(await (await fetch(`${url}/no-such-file.js`)).text()).not.toContain('<script');
    expect((await fetch(`${url}/no-such-file.js`)).status).toBe(404);
  });

  it('serves nothing at / when webPage is off', async () => {
    const { url } = await startRelay({ webPage: false });
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/app.js`)).status).toBe(404);
  });

  it('leaves routes mounted before it alone', async () => {
    const { url } = await startRelay();
    // The HTTP API is mounted first; its routes answer, never the page.
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    const api = await fetch(`${url}/v1/messages`, { method: 'POST' });
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('has no inline script, inline style or event-handler attribute, so a strict CSP needs no exception', () => {
    const html = readFileSync(join(WEB_PAGE_DIR, 'index.html'), 'utf8');
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\ssrc="/);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    // The script never writes HTML: message text goes in with textContent only.
    const script = readFileSync(join(WEB_PAGE_DIR, 'app.js'), 'utf8');
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
