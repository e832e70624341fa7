// trustProxy: behind a proxy that sends its upstream's address as Host and the browser's in
// X-Forwarded-Host/-Proto, the host and same-origin checks and the URLs handed out follow those headers
// — only when the setting is on; off, the same headers change nothing. Raw HTTP against real relays.
import { describe, expect, it } from 'vitest';
import { createHostGuard } from '../../src/relay/create-host-guard.js';
import { forwardedPrefix } from '../../src/relay/forwarded-request.js';
import { rawRequest } from '../support/raw-request.js';
import { startRelay } from '../support/start-relay.js';

const PUBLIC = 'chat.example.com';
const polling = '/socket.io/?EIO=4&transport=polling';
const ADMIN = 'ops:ops-s3cr3t:admin';

/** A relay as a proxy's upstream: its public name allowed, origins set so only same-origin lets a page in. */
function upstream(trustProxy: boolean) {
  return startRelay({
    trustProxy,
    allowedHosts: [PUBLIC],
    origins: ['https://elsewhere.example'],
    api: { tokens: [ADMIN] },
  });
}

/** What the proxy sends: its upstream as Host, the browser's host and scheme forwarded. */
function proxied(url: string, forwarded: Record<string, string>) {
  return { host: new URL(url).host, 'x-forwarded-host': PUBLIC, 'x-forwarded-proto': 'https', ...forwarded };
}

async function hookUrl(url: string, headers: Record<string, string>): Promise<string> {
  const response = await rawRequest(url, {
    path: '/v1/hooks',
    method: 'POST',
    headers: { ...headers, authorization: 'Bearer ops-s3cr3t', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'deploys' }),
  });
  expect(response.status).toBe(201);
  return (JSON.parse(response.body) as { url: string }).url;
}

describe('trustProxy', () => {
  it('on: a page at the forwarded host and scheme may open a socket and use the API; hook URLs name it', async () => {
    const { url } = await upstream(true);
    const headers = proxied(url, { origin: `https://${PUBLIC}` });
    expect((await rawRequest(url, { path: polling, headers })).status).toBe(200);
    const cors = await rawRequest(url, { path: '/v1/messages', method: 'OPTIONS', headers });
    expect(cors.status).toBe(204);
    expect(cors.headers['access-control-allow-origin']).toBe(`https://${PUBLIC}`);
    expect(await hookUrl(url, proxied(url, {}))).toMatch(new RegExp(`^https://${PUBLIC}/hooks/`));
    // Served under a sub-path, the hook's URL carries the proxy's X-Forwarded-Prefix.
    const prefixed = proxied(url, { 'x-forwarded-prefix': '/chat/' });
    expect(await hookUrl(url, prefixed)).toMatch(new RegExp(`^https://${PUBLIC}/chat/hooks/`));
    // So do the Location headers of what the API creates.
    for (const [path, body] of [
      ['/v1/schedules', { id: 'daily', cron: '0 9 * * *', content: 'standup' }],
      ['/v1/webhooks', { url: 'https://bots.example/hook', rooms: ['ops'], trigger: { all: true } }],
    ] as const) {
      const created = await rawRequest(url, {
        path,
        method: 'POST',
        headers: { ...prefixed, authorization: 'Bearer ops-s3cr3t', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(created.status, path).toBe(201);
      expect(created.headers.location).toMatch(new RegExp(`^/chat${path}/[\\w-]+$`));
    }
    // The default port of the scheme, written out, is the same origin.
    const withPort = proxied(url, { 'x-forwarded-host': `${PUBLIC}:443`, origin: `https://${PUBLIC}` });
    expect((await rawRequest(url, { path: polling, headers: withPort })).status).toBe(200);
  });

  it('on: the forwarded host is checked as Host would be, and the scheme must match the origin', async () => {
    const { url } = await upstream(true);
    // A rebound name forwarded by the proxy is refused as it would be in Host, chat page included.
    const rebound = proxied(url, { 'x-forwarded-host': 'evil.example', origin: 'https://evil.example' });
    expect((await rawRequest(url, { path: polling, headers: rebound })).status).toBe(403);
    expect(
      (await rawRequest(url, { path: '/', headers: proxied(url, { 'x-forwarded-host': 'evil.example' }) }))
        .status,
    ).toBe(403);
    // A page over plain http is not the same origin as the https site the proxy says it serves.
    const plain = proxied(url, { origin: `http://${PUBLIC}` });
    expect((await rawRequest(url, { path: polling, headers: plain })).status).toBe(403);
    // Of appended values, the proxy's own (the last) counts, not what the client put before it.
    const appended = proxied(url, {
      'x-forwarded-host': `${PUBLIC}, evil.example`,
      origin: `https://${PUBLIC}`,
    });
    expect((await rawRequest(url, { path: polling, headers: appended })).status).toBe(403);
    const spoofed = proxied(url, {
      'x-forwarded-host': `evil.example, ${PUBLIC}`,
      origin: `https://${PUBLIC}`,
    });
    expect((await rawRequest(url, { path: polling, headers: spoofed })).status).toBe(200);
  });

  it('off (the default): the same headers change nothing', async () => {
    const { url, server } = await upstream(false);
    expect(server.config.trustProxy).toBe(false);
    const headers = proxied(url, { origin: `https://${PUBLIC}` });
    expect((await rawRequest(url, { path: polling, headers })).status).toBe(403);
    const cors = await rawRequest(url, { path: '/v1/messages', method: 'OPTIONS', headers });
    expect(cors.status).toBe(403);
    expect(cors.headers['access-control-allow-origin']).toBeUndefined();
    expect(await hookUrl(url, proxied(url, {}))).toMatch(new RegExp(`^${url}/hooks/`));
    expect(await hookUrl(url, proxied(url, { 'x-forwarded-prefix': '/chat' }))).toMatch(
      new RegExp(`^${url}/hooks/`),
    );
    // A forwarded rebound name is not read either: Host (the upstream's IP) is what is checked.
    const rebound = proxied(url, { 'x-forwarded-host': 'evil.example' });
    expect((await rawRequest(url, { path: '/', headers: rebound })).status).toBe(200);
  });
});

describe('createHostGuard requestHost and requestProto', () => {
  it('read the forwarded headers only with trustProxy, their last non-empty value, http or https only', () => {
    const trusting = createHostGuard({ allowedHosts: [], origins: [], trustProxy: true });
    const plain = createHostGuard({ allowedHosts: [], origins: [] });
    const headers = {
      host: '10.0.0.5:3000',
      'x-forwarded-host': 'a.example, b.example',
      'x-forwarded-proto': 'HTTPS',
    };
    expect(trusting.requestHost(headers)).toBe('b.example');
    expect(trusting.requestProto(headers)).toBe('https');
    expect(plain.requestHost(headers)).toBe('10.0.0.5:3000');
    expect(plain.requestProto(headers)).toBeUndefined();
    expect(trusting.requestHost({ host: '10.0.0.5:3000', 'x-forwarded-host': ' , ' })).toBe('10.0.0.5:3000');
    expect(trusting.requestProto({ 'x-forwarded-proto': 'gopher' })).toBeUndefined();
    expect(trusting.requestProto({})).toBeUndefined();
  });
});

describe('forwardedPrefix', () => {
  it('reads the last X-Forwarded-Prefix with trustProxy, a plain path only, without its trailing slash', () => {
    const prefix = (value: string | string[] | undefined, trust = true) =>
      forwardedPrefix(value === undefined ? {} : { 'x-forwarded-prefix': value }, trust);
    expect(prefix('/chat/')).toBe('/chat');
    expect(prefix('/team/chat')).toBe('/team/chat');
    expect(prefix('/a, /chat')).toBe('/chat');
    expect(prefix(['/a', '/chat'])).toBe('/chat');
    expect(prefix('/chat', false)).toBe('');
    expect(prefix(undefined)).toBe('');
    expect(prefix('/')).toBe('');
    for (const odd of [
      'chat',
      '/../admin',
      '/a/./b',
      '/a/..',
      '//evil.example',
      'https://evil.example/x',
      '/a?b',
      '/a#b',
      '/a\\b',
      '/a b',
      '/%2e%2e/admin',
      '/a%2fb',
    ]) {
      expect(prefix(odd), odd).toBe('');
    }
  });
});
