// docs/reverse-proxy.md's nginx configuration, run for real (Debian's nginx) in front of a relay: socket.io
// over WebSocket and polling, the Host and same-origin checks through it, the chat page under /chat/.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectClient } from '../support/connect-client.js';
import { freePort } from '../support/free-port.js';
import { joinChatPage } from '../support/join-chat-page.js';
import { CHROMIUM, launchChromium, openPage } from '../support/launch-chromium.js';
import { rawRequest } from '../support/raw-request.js';
import { requireBinary } from '../support/require-binary.js';
import { startNginx } from '../support/start-nginx.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const NGINX = requireBinary('nginx', {
  paths: ['/usr/sbin/nginx'],
  install: 'apt-get install -y nginx-light',
});
const PUBLIC_NAME = 'chat.example.com';
const DEADLINE = { timeout: 5000 };

const page = readFileSync(new URL('../../docs/reverse-proxy.md', import.meta.url), 'utf8');
const documented = /```nginx\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
// The trustProxy section's lines, in place of `proxy_set_header Host $http_host;`.
const forwardedHostLines = /```nginx\n(# trustProxy[\s\S]*?)```/.exec(page)?.[1]?.replace(/^#.*\n/, '') ?? '';

/**
 * A relay as the docs run it (its public name allowed; origins set, so only same-origin lets a page in),
 * behind nginx. `forwardHost`: nginx sends its own Host (the upstream's name, its default) and the
 * browser's in X-Forwarded-Host, as the docs' trustProxy section has it; `trustProxy` for the relay.
 */
async function startProxiedRelay(options: { forwardHost?: boolean; trustProxy?: boolean } = {}) {
  const relay = await startRelay({
    allowedHosts: [PUBLIC_NAME],
    origins: ['https://elsewhere.example'],
    trustProxy: options.trustProxy ?? false,
    api: { tokens: ['ops:ops-s3cr3t:admin'] },
  });
  const relayPort = new URL(relay.url).port;
  const port = await freePort();
  let config = documented
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${relayPort};`)
    .replace('listen 80;', `listen 127.0.0.1:${port};`);
  if (options.forwardHost) {
    config = config.replaceAll('proxy_set_header Host $http_host;', forwardedHostLines);
    expect(config).not.toContain('proxy_set_header Host');
  }
  expect(config).toContain(`listen 127.0.0.1:${port};`);
  expect(config).toContain(`server 127.0.0.1:${relayPort};`);
  const proxyUrl = `http://127.0.0.1:${port}`;
  // Any answer of the relay's: without trustProxy, the forwarding variant's Host is refused (403).
  const nginx = await startNginx(NGINX as string, config, async () =>
    [200, 403].includes((await fetch(`${proxyUrl}/healthz`)).status),
  );
  return { ...relay, nginx, port, proxyUrl, publicUrl: `http://${PUBLIC_NAME}:${port}` };
}

async function roundTrip(url: string, options: Parameters<typeof connectClient>[1]): Promise<string> {
  const client = await connectClient(url, { ...options, auth: { name: 'through-nginx' } });
  const heard = waitForEvent<[string]>(client, 'sendMessageFromBack', {
    filter: (content) => content === 'via the proxy',
  });
  const ack = await client.emitWithAck('sendMessage', 'via the proxy');
  expect(ack.ok).toBe(true);
  await heard;
  const transport = client.io.engine.transport.name;
  client.disconnect();
  return transport;
}

describe.skipIf(!NGINX)('behind nginx, as docs/reverse-proxy.md configures it', () => {
  it('carries socket.io over WebSocket, over polling, and polling upgraded to WebSocket, at / and under /chat/', async () => {
    const { proxyUrl, nginx } = await startProxiedRelay();
    expect(await roundTrip(proxyUrl, { transports: ['websocket'] })).toBe('websocket');
    expect(await roundTrip(proxyUrl, { transports: ['polling'] })).toBe('polling');
    const upgraded = await connectClient(proxyUrl);
    await expect.poll(() => upgraded.io.engine.transport.name, DEADLINE).toBe('websocket');
    upgraded.disconnect();
    for (const transports of [['websocket'], ['polling']]) {
      expect(await roundTrip(proxyUrl, { path: '/chat/socket.io/', transports })).toBe(transports[0]);
    }
    // nginx logs a WebSocket when it closes: the clients above have disconnected.
    await expect
      .poll(() => nginx.accessLog(), DEADLINE)
      .toMatch(/"GET \/chat\/socket\.io\/\?EIO=4&transport=websocket[^"]* HTTP\/1\.1" 101 /);
    const log = await nginx.accessLog();
    expect(log).toMatch(/"GET \/socket\.io\/\?EIO=4&transport=websocket[^"]* HTTP\/1\.1" 101 /);
    expect(log).toMatch(/"GET \/chat\/socket\.io\/\?EIO=4&transport=polling[^"]* HTTP\/1\.1" 200 /);
  });

  it("passes the browser's Host: its public name is answered, a same-origin page may open a socket, others may not", async () => {
    const { proxyUrl, port } = await startProxiedRelay();
    const handshake = '/socket.io/?EIO=4&transport=polling';
    const host = `${PUBLIC_NAME}:${port}`;
    const status = async (headers: Record<string, string>, path = handshake) =>
      (await rawRequest(proxyUrl, { path, headers })).status;
    // Same-origin through the proxy: the page's Origin is the Host nginx passed on.
    expect(await status({ host, origin: `http://${host}` })).toBe(200);
    expect(await status({ host, origin: `http://${host}` }, `/chat${handshake}`)).toBe(200);
    // Another site's page, and a rebound name (same-origin with itself, but not a name the relay answers).
    expect(await status({ host, origin: 'http://evil.example' })).toBe(403);
    expect(await status({ host: `evil.example:${port}`, origin: `http://evil.example:${port}` })).toBe(403);
    expect(await status({ host: `evil.example:${port}` }, '/chat/')).toBe(403);
    expect(await status({ host }, '/chat/')).toBe(200);
  });

  it('with trustProxy, checks the Host nginx forwards in X-Forwarded-Host; without it, those headers change nothing', async () => {
    expect(forwardedHostLines).toContain('proxy_set_header X-Forwarded-Host $http_host;');
    const trusting = await startProxiedRelay({ forwardHost: true, trustProxy: true });
    const handshake = '/socket.io/?EIO=4&transport=polling';
    const host = `${PUBLIC_NAME}:${trusting.port}`;
    const through = async (proxyUrl: string, headers: Record<string, string>, path = handshake) =>
      (await rawRequest(proxyUrl, { path, headers })).status;
    expect(await through(trusting.proxyUrl, { host, origin: `http://${host}` })).toBe(200);
    expect(await through(trusting.proxyUrl, { host }, '/chat/')).toBe(200);
    expect(await through(trusting.proxyUrl, { host, origin: 'http://evil.example' })).toBe(403);
    const rebound = `evil.example:${trusting.port}`;
    expect(await through(trusting.proxyUrl, { host: rebound, origin: `http://${rebound}` })).toBe(403);
    // A hook added through the sub-path gets a URL under it (nginx's X-Forwarded-Prefix), and that URL works.
    const added = await rawRequest(trusting.proxyUrl, {
      path: '/chat/v1/hooks',
      method: 'POST',
      headers: { host, authorization: 'Bearer ops-s3cr3t', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'deploys' }),
    });
    expect(added.status).toBe(201);
    const hookUrl = new URL((JSON.parse(added.body) as { url: string }).url);
    expect(`${hookUrl.protocol}//${hookUrl.host}`).toBe(`http://${host}`);
    expect(hookUrl.pathname).toMatch(/^\/chat\/hooks\/./);
    const delivered = await rawRequest(trusting.proxyUrl, {
      path: hookUrl.pathname,
      method: 'POST',
      headers: { host, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'deployed' }),
    });
    expect(delivered.status).toBe(200);

    // Off: the relay checks the Host nginx sent (the upstream's name), not the browser's.
    const plain = await startProxiedRelay({ forwardHost: true });
    const plainHost = `${PUBLIC_NAME}:${plain.port}`;
    expect(await through(plain.proxyUrl, { host: plainHost, origin: `http://${plainHost}` })).toBe(403);
  });

  it('redirects /chat to /chat/ and serves the page, its script and the socket.io client under it', async () => {
    const { proxyUrl } = await startProxiedRelay();
    const redirect = await rawRequest(proxyUrl, { path: '/chat' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/chat/');
    for (const [path, type] of [
      ['/chat/', /text\/html/],
      ['/chat/app.js', /javascript/],
      ['/chat/socket.io/socket.io.esm.min.js', /javascript/],
    ] as const) {
      const response = await fetch(`${proxyUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(type);
    }
  });

  describe.skipIf(!CHROMIUM)('the chat page in Chromium', () => {
    it('works at the public name under /chat/, every request of the page under /chat/', async () => {
      const { publicUrl, port } = await startProxiedRelay();
      const browser = await launchChromium([`--host-resolver-rules=MAP ${PUBLIC_NAME} 127.0.0.1`]);
      const { page: tab, errors } = await openPage(browser);
      const paths: string[] = [];
      tab.on('request', (request) => {
        const url = new URL(request.url());
        if (url.host === `${PUBLIC_NAME}:${port}`) paths.push(url.pathname);
      });
      await joinChatPage(tab, `${publicUrl}/chat/`, 'Alice');
      const input = tab.getByLabel('Message', { exact: true });
      await input.fill('Hello from behind nginx');
      await input.press('Enter');
      const mine = tab.locator('#log li.message:not([data-kind="system"]) .message-text');
      await expect.poll(() => mine.allTextContents(), DEADLINE).toEqual(['Hello from behind nginx']);
      expect(paths).toContain('/chat/socket.io/');
      expect(paths.filter((path) => !path.startsWith('/chat/'))).toEqual([]);
      // Over plain HTTP on a name that is not localhost, Chromium ignores the page's
      // Cross-Origin-Opener-Policy and says so; behind TLS (as docs/reverse-proxy.md advises) it applies.
      expect(
        errors.filter((error) => !error.includes('Cross-Origin-Opener-Policy header has been ignored')),
      ).toEqual([]);
    });
  });
});
