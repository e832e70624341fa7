// DNS rebinding: a page on a name that resolves to the relay is same-origin with itself, so only the Host
// header tells the relay it was not meant to answer. Real relays, real sockets, raw HTTP for the Host.
import { describe, expect, it } from 'vitest';
import { parseRelayConfig } from '../../src/config/parse-relay-config.js';
import { createHostGuard } from '../../src/relay/create-host-guard.js';
import { WARN } from '../support/capture-logs.js';
import { connectClient } from '../support/connect-client.js';
import { rawRequest } from '../support/raw-request.js';
import { startRelay } from '../support/start-relay.js';

const EVIL = { host: 'evil.example', origin: 'http://evil.example' };
const polling = '/socket.io/?EIO=4&transport=polling';

describe('allowed hosts', () => {
  it('refuses the WebSocket and polling handshakes of a rebound page, even though it is same-origin', async () => {
    const { url, logs } = await startRelay({ origins: ['https://chat.example.com'] });
    await expect(connectClient(url, { transports: ['websocket'], extraHeaders: EVIL })).rejects.toThrow();
    // engine.io's polling client cannot set Host; a raw request can. Same-origin GETs carry no Origin.
    for (const headers of [EVIL, { host: 'evil.example' }]) {
      const refused = await rawRequest(url, { path: polling, headers });
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ message: 'RELAY_ERR_HOST_NOT_ALLOWED' });
    }
    const warnings = logs.filter((line) => line.code === 'RELAY_ERR_HOST_NOT_ALLOWED');
    expect(warnings).toEqual([expect.objectContaining({ level: WARN, host: 'evil.example' })]);
  });

  it('gives a rebound page no CORS grant on the API, no metrics and no chat page: 403 problems', async () => {
    const { url } = await startRelay({ origins: ['https://chat.example.com'] });
    const requests = [
      { path: '/v1/messages', method: 'OPTIONS', headers: EVIL },
      { path: '/v1/messages', method: 'POST', headers: { ...EVIL, 'content-type': 'application/json' } },
      { path: '/metrics', headers: { host: 'evil.example' } },
      { path: '/', headers: { host: 'evil.example:80' } },
    ];
    for (const request of requests) {
      const refused = await rawRequest(url, request);
      expect(refused.status, request.path).toBe(403);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(refused.body)).toMatchObject({
        code: 'RELAY_ERR_HOST_NOT_ALLOWED',
        status: 403,
        detail: expect.stringContaining('allowedHosts'),
      });
    }
  });

  it('answers loopback names, IP addresses and the hosts of origins by default', async () => {
    const { url } = await startRelay({ origins: ['https://chat.example.com'] });
    const port = new URL(url).port;
    const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, 'chat.localhost', '[::1]:3000', '192.168.1.10'];
    for (const host of [...hosts, 'chat.example.com', 'CHAT.example.com.']) {
      expect((await rawRequest(url, { path: '/metrics', headers: { host } })).status, host).toBe(200);
    }
    const page = await rawRequest(url, {
      path: polling,
      headers: { host: 'chat.example.com', origin: 'https://chat.example.com' },
    });
    expect(page.status).toBe(200);
    expect(page.headers['access-control-allow-origin']).toBe('https://chat.example.com');
  });

  it('answers the names allowedHosts lists, same-origin pages on them included, and no others', async () => {
    const { url } = await startRelay({ allowedHosts: ['relay.example.com', '.corp.example'] });
    const socket = await connectClient(url, {
      transports: ['websocket'],
      extraHeaders: { host: 'relay.example.com', origin: 'https://relay.example.com' },
    });
    expect(socket.connected).toBe(true);
    const sameOrigin = await rawRequest(url, {
      path: '/v1/messages',
      method: 'OPTIONS',
      headers: { host: 'relay.example.com', origin: 'http://relay.example.com' },
    });
    expect(sameOrigin.status).toBe(204);
    expect(sameOrigin.headers['access-control-allow-origin']).toBe('http://relay.example.com');
    for (const host of ['corp.example', 'chat.corp.example:8443']) {
      expect((await rawRequest(url, { path: polling, headers: { host } })).status, host).toBe(200);
    }
    for (const host of ['evilcorp.example', 'relay.example.com.evil.example', 'evil.example']) {
      const refused = await rawRequest(url, { path: polling, headers: { host } });
      expect(refused.status, host).toBe(403);
    }
  });

  it('answers any name with allowedHosts "*"', async () => {
    const { url } = await startRelay({ allowedHosts: ['*'] });
    expect((await rawRequest(url, { path: '/metrics', headers: { host: 'evil.example' } })).status).toBe(200);
  });

  it('logs a refused name once, and at most 64 names however many are tried', async () => {
    const { url, logs } = await startRelay();
    for (let i = 0; i < 3; i += 1)
      await rawRequest(url, { path: '/healthz', headers: { host: 'a.example' } });
    for (let i = 0; i < 70; i += 1)
      await rawRequest(url, { path: polling, headers: { host: `n${i}.example` } });
    const hosts = logs.filter((line) => line.code === 'RELAY_ERR_HOST_NOT_ALLOWED').map((line) => line.host);
    expect(hosts.filter((host) => host === 'a.example')).toHaveLength(1);
    expect(hosts).toHaveLength(64);
  });
});

describe('createHostGuard', () => {
  it('reads the name out of a Host header and allows the host setting when it is a name', () => {
    const guard = createHostGuard({ allowedHosts: [], origins: ['*'], host: 'relay.internal' });
    expect(guard.isAllowed('relay.internal:3000')).toBe(true);
    expect(guard.isAllowed('[fe80::1]:3000')).toBe(true);
    expect(guard.isAllowed(undefined)).toBe(true);
    expect(guard.isAllowed('relay.internal.evil.example')).toBe(false);
    expect(guard.isAllowed('[not-an-ip]')).toBe(false);
    expect(guard.isAllowed('')).toBe(false);
  });

  it('takes names and *.domain entries, and refuses entries with a scheme or a port', () => {
    expect(parseRelayConfig({ allowedHosts: ['relay.example.com', '*.example.org'] }).allowedHosts).toEqual([
      'relay.example.com',
      '*.example.org',
    ]);
    const guard = createHostGuard({ allowedHosts: ['*.example.org'], origins: [] });
    expect(guard.isAllowed('a.b.example.org')).toBe(true);
    expect(() => parseRelayConfig({ allowedHosts: ['https://relay.example.com'] })).toThrow(/allowedHosts/);
    expect(() => parseRelayConfig({ allowedHosts: ['relay.example.com:443'] })).toThrow(/allowedHosts/);
  });
});
