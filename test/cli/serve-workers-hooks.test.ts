// `relay serve --workers 2` without Redis: a hook added, rotated or deleted over the API through one
// worker is so through the other at once (they share the hooks' SQLite file). Real processes, real
// clients through the primary's sticky balancer, which hands a new connection to the worker with the
// fewest socket.io clients (the first worker on a tie): connecting clients steers each request.
import { describe, expect, it } from 'vitest';
import type { components } from '../../src/http/openapi-types.js';
import { emptyDir } from '../cluster/relay-node.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { type CliProcess, spawnRelayCli } from '../support/spawn-relay-cli.js';
import { waitForEvent } from '../support/wait-for-event.js';

type HookIssued = components['schemas']['HookIssued'];

// Every request on a new connection, so the balancer picks a worker for each.
const request = (url: string, init: { method?: string; body?: unknown; token?: boolean } = {}) =>
  fetch(url, {
    method: init.method ?? 'POST',
    headers: {
      connection: 'close',
      'content-type': 'application/json',
      ...(init.token === false ? {} : { authorization: 'Bearer ops-s3cr3t' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
const deliver = (hookUrl: string, text: string) => request(hookUrl, { body: { text }, token: false });

// Connects a client and checks which worker took it: that is what steers the next requests.
async function clientOn(relay: CliProcess, url: string, worker: number): Promise<TestClient> {
  const client = await connectClient(url, { transports: ['websocket'] });
  const line = await relay.waitForLog((l) => l.msg === 'client connected' && l.socket === client.id);
  expect(line.worker, 'the worker the balancer chose').toBe(worker);
  return client;
}

describe('hooks of relay serve --workers', () => {
  it('are shared by the workers: added, rotated and deleted through one, so through the other', {
    timeout: 60_000,
  }, async () => {
    const relay = spawnRelayCli(
      ['serve', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--log-format', 'json'],
      {
        cwd: await emptyDir(),
        env: { RELAY_DRAIN_DELAY_MS: '0', RELAY_GREETING: 'none', RELAY_API_TOKENS: 'ops:ops-s3cr3t:admin' },
      },
    );
    const url = (await relay.waitForLog((line) => line.msg === 'relay started', 30_000)).url as string;
    for (const worker of [1, 2]) {
      await relay.waitForLog((line) => line.msg === 'relay attached' && line.worker === worker);
    }

    // No clients: worker 1 adds it.
    const added = await request(`${url}/v1/hooks`, { body: { name: 'deploys', format: 'slack' } });
    expect(added.status).toBe(201);
    const hook = (await added.json()) as HookIssued;

    // One client on worker 1: worker 2 takes the delivery.
    const first = await clientOn(relay, url, 1);
    const heard = waitForEvent<[unknown]>(first, 'sendMessageFromBack', { timeoutMs: 5000 });
    expect((await deliver(hook.url, 'shipped')).status).toBe(200);
    expect((await heard)[0]).toEqual({ text: 'shipped', source: 'slack' });
    // Worker 2 rotates it.
    const rotated = await request(`${url}/v1/hooks/${hook.id}/rotate`);
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as HookIssued;

    // One client on each worker: worker 1 takes the next requests.
    await clientOn(relay, url, 2);
    expect((await deliver(hook.url, 'the old key')).status).toBe(404);
    expect((await deliver(next.url, 'the new key')).status).toBe(200);
    expect((await request(`${url}/v1/hooks/${hook.id}`, { method: 'DELETE' })).status).toBe(204);

    // Two clients on worker 1: worker 2 again.
    await clientOn(relay, url, 1);
    expect((await deliver(next.url, 'after the delete')).status).toBe(404);
    const listed = await request(`${url}/v1/hooks`, { method: 'GET' });
    expect(((await listed.json()) as { hooks: HookIssued[] }).hooks).toEqual([]);

    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});
