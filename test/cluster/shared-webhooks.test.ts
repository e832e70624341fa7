// Outgoing-webhook endpoints added over the API on one node are every node's (Redis): each message
// triggers each endpoint once, on the node it was published on, though every node hears it.
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { RelayServerOptions } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { quietWindow, waitUntil } from '../webhooks/wait-until.js';
import { startReceiver, verifySignature } from '../webhooks/webhook-receiver.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const TOKEN = 'ops:ops-s3cr3t:admin';

const api = (url: string, path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: 'Bearer ops-s3cr3t', 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

// Every node of these clusters: one Redis, the API token, endpoints on the test's own receiver.
const nodeOptions = (redisUrl: string): RelayServerOptions => ({
  redisUrl,
  greeting: 'none',
  api: { tokens: [TOKEN] },
  webhooks: { allowPrivateNetworks: true },
});

describe.runIf(HAS_REDIS)('webhook endpoints shared by the nodes through Redis', () => {
  it('triggers an endpoint added on A once for a message on B, and a removal on B stops it on A', {
    timeout: 30_000,
  }, async () => {
    const redis = await startRedis();
    const receiver = await startReceiver();
    const options = nodeOptions(redis.url);
    const a = await startRelay(options);
    const b = await startRelay(options);

    const added = await api(a.url, '/v1/webhooks', {
      body: { url: receiver.url, rooms: ['ops'], trigger: { prefix: '!deploy' } },
    });
    expect(added.status).toBe(201);
    const { id, secret } = (await added.json()) as { id: string; secret: string };
    await waitUntil('B knows the endpoint', async () => (await api(b.url, `/v1/webhooks/${id}`)).ok);

    // Both nodes hear the message (A through the adapter, for its client): only B, where it was
    // published, sends it.
    const onA = await connectClient(a.url, { auth: { room: 'ops' } });
    const onB = await connectClient(b.url, { auth: { room: 'ops' } });
    const heardOnA = waitForEvent(onA, 'sendMessageFromBack', { timeoutMs: 5000 });
    onB.emit('sendMessage', '!deploy v42');
    await heardOnA;
    const [delivery] = await receiver.waitFor(1);
    expect(delivery?.body.content).toBe('!deploy v42');
    expect(verifySignature(secret, delivery?.headers ?? {}, delivery?.raw ?? '')).toBe(true);
    // A message on A triggers it once too.
    onA.emit('sendMessage', '!deploy v43');
    await receiver.waitFor(2);
    await quietWindow(700);
    expect(receiver.received.map((d) => d.body.content)).toEqual(['!deploy v42', '!deploy v43']);

    // A node that starts later has it from the start, and skips entries it cannot read (written by
    // hand, or by another version).
    const client = track(createClient({ url: redis.url }), (c) => c.close());
    await client.connect();
    await client.hSet('relaykit:webhooks', {
      junk: 'not json',
      undated: JSON.stringify({ spec: { id: 'undated' } }),
      invalid: JSON.stringify({ spec: { id: 'invalid', url: 'ftp://x' }, createdAt: '2026-01-01T00:00:00Z' }),
    });
    const late = await startRelay(options);
    const listed = (await (await api(late.url, '/v1/webhooks')).json()) as { webhooks: { id: string }[] };
    expect(listed.webhooks.map((webhook) => webhook.id)).toEqual([id]);
    await client.hDel('relaykit:webhooks', ['junk', 'undated', 'invalid']);

    expect((await api(b.url, `/v1/webhooks/${id}`, { method: 'DELETE' })).status).toBe(204);
    await waitUntil(
      'A forgot the endpoint',
      async () => (await api(a.url, `/v1/webhooks/${id}`)).status === 404,
    );
    await waitUntil(
      'the late node forgot it',
      async () =>
        (await api(late.url, '/v1/webhooks')).ok &&
        ((await (await api(late.url, '/v1/webhooks')).json()) as { webhooks: unknown[] }).webhooks.length ===
          0,
    );
    const heardOnB = waitForEvent(onB, 'sendMessageFromBack', { timeoutMs: 5000 });
    onA.emit('sendMessage', '!deploy v44');
    await heardOnB;
    await quietWindow(500);
    expect(receiver.received).toHaveLength(2);
  });

  it('refuses to add an endpoint while Redis is unreachable (503) and still lists the ones it has', {
    timeout: 30_000,
  }, async () => {
    const redis = await startRedis();
    const receiver = await startReceiver();
    const a = await startRelay({
      redisUrl: redis.url,
      greeting: 'none',
      api: { tokens: [TOKEN] },
      webhooks: { allowPrivateNetworks: true },
    });
    const body = { url: receiver.url, rooms: ['ops'], trigger: { all: true } };
    expect((await api(a.url, '/v1/webhooks', { body })).status).toBe(201);
    await redis.stop();
    await waitUntil('A sees Redis gone', async () => (await api(a.url, '/readyz')).status === 503);
    const refused = await api(a.url, '/v1/webhooks', { body });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe('RELAY_ERR_NOT_READY');
    expect((await api(a.url, '/v1/webhooks')).status).toBe(200);
  });

  it('has a node that started while Redis was away list the endpoints once Redis is back', {
    timeout: 40_000,
  }, async () => {
    const redis = await startRedis();
    const receiver = await startReceiver();
    const options = nodeOptions(redis.url);
    await redis.stop();
    const b = await startRelay(options);
    await waitUntil('B says it could not list them', () =>
      b.logs.some((line) => line.msg === 'webhook endpoints could not be listed'),
    );
    await redis.start();
    const a = await startRelay(options);
    const added = await api(a.url, '/v1/webhooks', {
      body: { url: receiver.url, rooms: ['ops'], trigger: { all: true } },
    });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: string };
    // B may have missed the announcement (its subscriber was still reconnecting): it lists them again
    // once its connections are back.
    await waitUntil('B knows the endpoint', async () => (await api(b.url, `/v1/webhooks/${id}`)).ok, 15_000);
    expect(b.logs.some((line) => line.msg === 'webhook endpoints listed again')).toBe(true);
    const onB = await connectClient(b.url, { auth: { room: 'ops' } });
    onB.emit('sendMessage', 'hello from B');
    const [delivery] = await receiver.waitFor(1);
    expect(delivery?.body.content).toBe('hello from B');
  });

  it("counts every node's adds against maxEndpoints: six at once on two nodes, two kept", {
    timeout: 30_000,
  }, async () => {
    const redis = await startRedis();
    const options = { ...nodeOptions(redis.url), webhooks: { allowPrivateNetworks: true, maxEndpoints: 2 } };
    const a = await startRelay(options);
    const b = await startRelay(options);
    const body = { url: 'http://127.0.0.1:9/hook', rooms: ['ops'], trigger: { all: true } };
    // Each node's own count is 0 when all six arrive: only the shared one can refuse them.
    const answers = await Promise.all(
      [a, a, a, b, b, b].map((node) => api(node.url, '/v1/webhooks', { body })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
    const refused = answers.find((answer) => answer.status === 409) as Response;
    expect(await refused.json()).toMatchObject({ code: 'RELAY_ERR_TOO_MANY_WEBHOOKS' });
    const listed = async (node: typeof a) =>
      ((await (await api(node.url, '/v1/webhooks')).json()) as { webhooks: unknown[] }).webhooks.length;
    await waitUntil(
      'both nodes list the two kept',
      async () => (await listed(a)) === 2 && (await listed(b)) === 2,
    );
    // At the limit, one more is refused on either node.
    expect((await api(b.url, '/v1/webhooks', { body })).status).toBe(409);
  });
});
