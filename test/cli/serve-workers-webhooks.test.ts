// `relay serve --workers 2` without Redis: a webhook endpoint added over the API (on whichever worker the
// request reached) is triggered once by messages from the clients of either worker.
import { describe, expect, it } from 'vitest';
import { emptyDir } from '../cluster/relay-node.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { type CliProcess, spawnRelayCli } from '../support/spawn-relay-cli.js';
import { quietWindow, waitUntil } from '../webhooks/wait-until.js';
import { startReceiver } from '../webhooks/webhook-receiver.js';

const api = (url: string, path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: 'Bearer ops-s3cr3t', 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

// Which worker serves a client: its "client connected" line says.
async function workerOf(relay: CliProcess, client: TestClient): Promise<unknown> {
  const line = await relay.waitForLog((l) => l.msg === 'client connected' && l.socket === client.id);
  return line.worker;
}

describe('webhook endpoints of relay serve --workers', () => {
  it('are shared by the workers: each message triggers the endpoint once, whichever worker it came to', {
    timeout: 60_000,
  }, async () => {
    const receiver = await startReceiver();
    const relay = spawnRelayCli(
      ['serve', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--log-format', 'json'],
      {
        cwd: await emptyDir(),
        env: {
          RELAY_DRAIN_DELAY_MS: '0',
          RELAY_GREETING: 'none',
          RELAY_API_TOKENS: 'ops:ops-s3cr3t:admin',
          RELAY_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
        },
      },
    );
    const url = (await relay.waitForLog((line) => line.msg === 'relay started', 30_000)).url as string;
    const added = await api(url, '/v1/webhooks', {
      body: { url: receiver.url, rooms: ['ops'], trigger: { prefix: '!deploy' } },
    });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: string };

    const first = await connectClient(url, { transports: ['websocket'], auth: { room: 'ops' } });
    const firstWorker = await workerOf(relay, first);
    let second = await connectClient(url, { transports: ['websocket'], auth: { room: 'ops' } });
    for (let tries = 0; (await workerOf(relay, second)) === firstWorker; tries++) {
      if (tries === 10) throw new Error('every client went to the same worker');
      second = await connectClient(url, { transports: ['websocket'], auth: { room: 'ops' } });
    }
    // By now the change (one IPC message from the primary, then a listing) has reached the other worker.
    second.emit('sendMessage', '!deploy from the second worker');
    first.emit('sendMessage', '!deploy from the first worker');
    await receiver.waitFor(2, 10_000);
    await quietWindow(700);
    expect(receiver.received.map((d) => d.body.content).sort()).toEqual([
      '!deploy from the first worker',
      '!deploy from the second worker',
    ]);

    expect((await api(url, `/v1/webhooks/${id}`, { method: 'DELETE' })).status).toBe(204);
    await waitUntil('every worker forgot it', async () => {
      const answers = await Promise.all([1, 2, 3, 4].map(() => api(url, `/v1/webhooks/${id}`)));
      return answers.every((answer) => answer.status === 404);
    });
    first.emit('sendMessage', '!deploy again');
    second.emit('sendMessage', '!deploy again');
    await quietWindow(700);
    expect(receiver.received).toHaveLength(2);
  });
});
