// The delivery queue on disk: retries with the same webhook-id, dead letters, replay, and restarts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRelayServer, type RelayServerOptions } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { IN_MEMORY_STORES } from '../support/start-relay.js';
import { quietWindow, waitUntil } from './wait-until.js';
import { json, SECRET, startReceiver } from './webhook-receiver.js';

const ADMIN = 'ops:ops-s3cr3t:admin';

async function tempWebhookStore(): Promise<string> {
  const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-webhooks-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  return path.join(dir, 'nested', 'webhooks.db');
}

// A relay on `store` with one endpoint on `url`; `close()` is idempotent, so a test may close it first.
async function relayOn(store: string, url: string, webhooks: RelayServerOptions['webhooks'] = {}) {
  const capture = captureLogs();
  const server = track(
    createRelayServer({
      ...IN_MEMORY_STORES,
      port: 0,
      host: '127.0.0.1',
      greeting: 'none',
      logger: capture.logger,
      scheduler: { store: ':memory:' },
      api: { tokens: [ADMIN] },
      webhooks: {
        store,
        allowPrivateNetworks: true,
        retryBaseMs: 50,
        retryMaxMs: 200,
        maxAttempts: 3,
        endpoints: [{ id: 'hook', url, rooms: ['ops'], trigger: { all: true }, secret: SECRET }],
        ...webhooks,
      },
    }),
    (s) => s.close(),
  );
  const { url: relayUrl } = await server.listen();
  const api = (pathname: string, method = 'GET') =>
    fetch(`${relayUrl}/v1/webhooks/hook${pathname}`, {
      method,
      headers: { authorization: 'Bearer ops-s3cr3t' },
    });
  return { server, url: relayUrl, logs: capture.lines, api };
}

async function say(url: string, text: string) {
  const client = await connectClient(url, { auth: { room: 'ops' } });
  client.emit('sendMessage', text);
  return client;
}

describe('durable webhook queue', () => {
  it('retries a 500 with the same webhook-id and backoff, dead-letters after maxAttempts, and a replay after a restart delivers it', async () => {
    const receiver = await startReceiver({ answer: (_d, res) => res.writeHead(500).end() });
    const store = await tempWebhookStore();
    const first = await relayOn(store, receiver.url);
    await say(first.url, 'hello');
    const attempts = await receiver.waitFor(3);
    expect(new Set(attempts.map((d) => d.id)).size).toBe(1);
    expect(attempts.every((d) => d.signatureValid)).toBe(true);
    const dead = await waitUntil('a dead letter', async () => {
      const body = (await (await first.api('/dead-letters')).json()) as {
        deadLetters: { id: string; attempts: number; lastError: string }[];
      };
      return body.deadLetters[0];
    });
    expect(dead).toMatchObject({ id: attempts[0]?.id, attempts: 3, lastError: 'HTTP 500' });
    await quietWindow(300);
    expect(receiver.received).toHaveLength(3);
    await first.server.close();

    receiver.setAnswer(json({ text: 'finally' }));
    const second = await relayOn(store, receiver.url);
    const listener = await connectClient(second.url, { auth: { room: 'ops' } });
    const answered = new Promise((resolve) =>
      listener.on('sendMessageFromBack', (content) => resolve(content)),
    );
    expect(await (await second.api('/dead-letters/replay', 'POST')).json()).toEqual({ replayed: 1 });
    const [, , , replayed] = await receiver.waitFor(4);
    expect(replayed?.id).toBe(attempts[0]?.id);
    expect(await answered).toBe('finally');
    expect(await (await second.api('/dead-letters')).json()).toEqual({ deadLetters: [] });
  });

  it('keeps the newest webhooks.maxDeadLetters dead letters of an endpoint: at the limit all, one past the oldest goes', async () => {
    const receiver = await startReceiver({ answer: (_d, res) => res.writeHead(400).end() });
    const relay = await relayOn(await tempWebhookStore(), receiver.url, { maxDeadLetters: 3 });
    const client = await connectClient(relay.url, { auth: { room: 'ops' } });
    const deadLetters = async () => {
      const body = (await (await relay.api('/dead-letters')).json()) as { deadLetters: { id: string }[] };
      return body.deadLetters;
    };
    // One at a time, so that their order as dead letters is the order they were sent in.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      client.emit('sendMessage', `m${i}`);
      const delivery = (await receiver.waitFor(i + 1))[i];
      ids.push(delivery?.id as string);
      await waitUntil(`m${i} dead-lettered`, async () =>
        (await deadLetters()).some(({ id }) => id === delivery?.id) ? true : undefined,
      );
      // At the limit all are kept; one past it, the oldest is gone.
      expect((await deadLetters()).map(({ id }) => id)).toEqual(ids.slice(-3));
    }
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toContain(
      'relay_webhook_deliveries_total{endpoint="hook",outcome="dead-letter-deleted"} 1',
    );
  });

  it('a restart in the middle of retries loses no delivery and sends none twice to an endpoint that is healthy again', async () => {
    const receiver = await startReceiver({ answer: (_d, res) => res.writeHead(503).end() });
    const store = await tempWebhookStore();
    // Retries far enough apart that the relay stops between the first attempt and the second.
    const first = await relayOn(store, receiver.url, { retryBaseMs: 600, retryMaxMs: 600 });
    await say(first.url, 'one');
    await say(first.url, 'two');
    const failed = await receiver.waitFor(2);
    await first.server.close();

    receiver.setAnswer((_d, res) => res.writeHead(204).end());
    const second = await relayOn(store, receiver.url, { retryBaseMs: 600, retryMaxMs: 600 });
    const retried = (await receiver.waitFor(4)).slice(2);
    expect(new Set(retried.map((d) => d.id))).toEqual(new Set(failed.map((d) => d.id)));
    await quietWindow(800);
    expect(receiver.received).toHaveLength(4);
    await second.server.close();

    // Delivered means gone from the queue: a third start sends nothing.
    await relayOn(store, receiver.url, { retryBaseMs: 600, retryMaxMs: 600 });
    await quietWindow(300);
    expect(receiver.received).toHaveLength(4);
  });

  it('a relay closing while an attempt is in flight lets it finish, so a slow but healthy endpoint is not sent it again', async () => {
    // Answers 300 ms after the request: the relay is closing by then.
    const receiver = await startReceiver({
      answer: (_d, res) => setTimeout(() => res.writeHead(200).end(), 300),
    });
    const store = await tempWebhookStore();
    const first = await relayOn(store, receiver.url);
    await say(first.url, 'slow');
    await receiver.waitFor(1);
    await first.server.close();

    await relayOn(store, receiver.url);
    await quietWindow(300);
    expect(receiver.received).toHaveLength(1);
  });

  it('queues what is published while the relay closes, and sends it at the next start', async () => {
    const receiver = await startReceiver({
      answer: (_d, res) => setTimeout(() => res.writeHead(204).end(), 1000),
    });
    const store = await tempWebhookStore();
    const first = await relayOn(store, receiver.url);
    await say(first.url, 'before');
    await receiver.waitFor(1);
    // The relay waits up to a second for that slow attempt before it stops accepting: bots and people may
    // still publish then. The pause only gets the close that far; the assertions wait for what they check.
    const closing = first.server.close();
    await quietWindow(200);
    first.server.relay.publish('during close', {
      from: { id: 'ops', name: 'ops', kind: 'http' },
      room: 'ops',
    });
    await closing;
    expect(receiver.received).toHaveLength(1);

    receiver.setAnswer((_d, res) => res.writeHead(204).end());
    await relayOn(store, receiver.url);
    const [, late] = await receiver.waitFor(2);
    expect(late?.body.content).toBe('during close');
  });
  it('drops, once and logged, the deliveries of an endpoint removed from the config file', async () => {
    const receiver = await startReceiver({ answer: (_d, res) => res.writeHead(500).end() });
    const store = await tempWebhookStore();
    const first = await relayOn(store, receiver.url, { retryBaseMs: 60_000, retryMaxMs: 60_000 });
    await say(first.url, 'for an endpoint about to go');
    await receiver.waitFor(1);
    await first.server.close();

    const without = await relayOn(store, receiver.url, { endpoints: [] });
    const dropped = await waitUntil('the drop logged', () =>
      without.logs.find((line) => String(line.msg).startsWith('dropped the queued and dead deliveries')),
    );
    expect(dropped?.endpoints).toEqual({ hook: 1 });
    await without.server.close();

    // Back in the config: nothing of its old queue is left to send.
    receiver.setAnswer((_d, res) => res.writeHead(204).end());
    const back = await relayOn(store, receiver.url, { retryBaseMs: 50, retryMaxMs: 50 });
    expect(await (await back.api('')).json()).toMatchObject({ id: 'hook', queued: 0, deadLetters: 0 });
    await quietWindow(300);
    expect(receiver.received).toHaveLength(1);
    expect(back.logs.some((line) => String(line.msg).startsWith('dropped the queued'))).toBe(false);
  });
});
