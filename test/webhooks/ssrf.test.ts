// Webhooks may not reach private networks unless the operator allows it: at add time for IP literals and
// localhost, and at connect time, on the resolved address, for every name (DNS rebinding included).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { guardedLookup, isPrivateAddress } from '../../src/webhooks/guard-destination.js';
import { postWebhook, WebhookAgents } from '../../src/webhooks/post-webhook.js';
import { signWebhook } from '../../src/webhooks/webhook-signature.js';
import { track } from '../support/cleanup.js';
import { startRelay } from '../support/start-relay.js';
import { SECRET } from './webhook-receiver.js';

// A server that counts connections: a refused destination must not even be connected to.
async function countingServer() {
  const server = createServer((_req, res) => res.writeHead(204).end());
  const counter = { connections: 0 };
  server.on('connection', () => counter.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(server, (s) => {
    s.closeAllConnections();
    return new Promise((resolve) => s.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port, counter };
}

const attempt = (url: string, allowPrivateNetworks: boolean) => {
  const agents = track(new WebhookAgents(allowPrivateNetworks), (a) => a.close());
  const body = '{"content":"hi"}';
  return postWebhook({
    url,
    body,
    headers: signWebhook({ secret: SECRET, id: 'msg_1', timestamp: new Date(), body }),
    limits: { timeoutMs: 2000, maxResponseBytes: 1024, allowPrivateNetworks },
    agents,
  });
};

describe('webhook destinations on private networks (SSRF)', () => {
  it('knows the private, loopback, link-local and reserved ranges, at their edges', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.0',
      '10.255.255.255',
      '172.16.0.0',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      'not an address',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of [
      '8.8.8.8',
      '172.15.255.255',
      '172.32.0.0',
      '100.63.255.255',
      '192.169.0.1',
      '11.0.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('refuses at connect time a name that resolves to loopback, and an IP literal, without connecting', async () => {
    const { port, counter } = await countingServer();
    for (const url of [
      `http://localhost:${port}/hook`,
      `http://127.0.0.1:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
    ]) {
      const result = await attempt(url, false);
      expect(result, url).toMatchObject({
        outcome: 'permanent',
        error: expect.stringMatching(/private, loopback or link-local.*allowPrivateNetworks/),
      });
    }
    expect(counter.connections).toBe(0);
    // Allowed: the same destination is reached.
    expect(await attempt(`http://localhost:${port}/hook`, true)).toMatchObject({
      outcome: 'delivered',
      status: 204,
    });
    expect(counter.connections).toBe(1);
  });

  it('refuses a config-file or API endpoint on a private network when adding it, with RELAY_ERR_WEBHOOK_DESTINATION_REFUSED', async () => {
    await expect(
      startRelay({
        webhooks: {
          endpoints: [
            { id: 'x', url: 'http://10.0.0.8/hook', rooms: ['ops'], trigger: { all: true }, secret: SECRET },
          ],
        },
      }),
    ).rejects.toThrow(/webhooks\.endpoints\.0\.url.*private/);
    const { url } = await startRelay({ api: { tokens: ['ops:ops-s3cr3t:admin'] } });
    for (const target of [
      'http://127.0.0.1:9/hook',
      'http://localhost:9/hook',
      'http://localhost.:9/hook',
      'http://api.localhost./hook',
      'http://[::1]:9/',
      'http://169.254.169.254/latest/meta-data',
    ]) {
      const response = await fetch(`${url}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: 'Bearer ops-s3cr3t', 'content-type': 'application/json' },
        body: JSON.stringify({ url: target, rooms: ['ops'], trigger: { all: true } }),
      });
      expect(response.status, target).toBe(422);
      expect(await response.json()).toMatchObject({
        code: 'RELAY_ERR_WEBHOOK_DESTINATION_REFUSED',
        field: 'url',
      });
    }
  });
});

describe('webhooks.allowPrivateNetworks', () => {
  it('is off by default and turned on by RELAY_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true', async () => {
    const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-ssrf-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    expect((await loadConfig({ cwd, env: {} })).config.webhooks.allowPrivateNetworks).toBe(false);
    const { config } = await loadConfig({ cwd, env: { RELAY_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true' } });
    expect(config.webhooks.allowPrivateNetworks).toBe(true);
  });
});

describe('guardedLookup', () => {
  it('refuses a loopback name and passes DNS failures on, called as net does without all: true', async () => {
    const lookup = (host: string) =>
      new Promise<NodeJS.ErrnoException | null>((resolve) =>
        guardedLookup(host, {}, (error) => resolve(error)),
      );
    expect(await lookup('localhost')).toMatchObject({ code: 'RELAY_ERR_WEBHOOK_DESTINATION_REFUSED' });
    expect(await lookup('no-such-host.invalid')).toMatchObject({ code: expect.stringMatching(/^E/) });
    // An attempt to a name that does not resolve is worth retrying (DNS may come back).
    expect(await attempt('http://no-such-host.invalid/hook', false)).toMatchObject({ outcome: 'retry' });
  });
});
