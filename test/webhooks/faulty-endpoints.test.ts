// Endpoints that hang, fail, answer garbage or too much, or redirect: bounded, counted, never blocking.
import { describe, expect, it } from 'vitest';
import type { MessageContent, MessageMeta } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { quietWindow, waitUntil } from './wait-until.js';
import { json, SECRET, startReceiver } from './webhook-receiver.js';

const hook = (id: string, url: string, trigger: object = { all: true }) => ({
  id,
  url,
  rooms: ['ops'],
  trigger,
  secret: SECRET,
});

async function metric(url: string, line: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(line));
  return found ? Number(found.slice(line.length).trim()) : 0;
}

describe('faulty webhook endpoints', () => {
  it('a hanging endpoint times out and is retried, while another endpoint and the room go on at full speed', async () => {
    const hanging = await startReceiver({ answer: () => {} });
    const healthy = await startReceiver();
    const { url } = await startRelay({
      greeting: 'none',
      webhooks: {
        allowPrivateNetworks: true,
        timeoutMs: 300,
        concurrency: 1,
        retryBaseMs: 10_000,
        endpoints: [hook('hanging', hanging.url), hook('healthy', healthy.url)],
      },
    });
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    for (let i = 0; i < 5; i++) alice.emit('sendMessage', `m${i}`);
    // The hanging endpoint holds its one slot; the healthy one gets all five meanwhile.
    await healthy.waitFor(5);
    expect(hanging.received).toHaveLength(1);
    await waitUntil(
      'the timeout counted',
      async () =>
        (await metric(url, 'relay_webhook_deliveries_total{endpoint="hanging",outcome="failed"}')) === 1,
    );
    // The timed-out slot is free again: the next of the queue goes out, the failed one waits its backoff.
    await hanging.waitFor(2);
    expect(hanging.received[1]?.body.content).toBe('m1');
    expect(
      await metric(url, 'relay_webhook_queue_depth{endpoint="hanging",state="pending"}'),
    ).toBeGreaterThanOrEqual(3);
  });

  it("logs a failing endpoint once, by id and origin: never its URL's path or query, which can hold a secret", async () => {
    const failing = await startReceiver({ answer: json({ error: 'down' }, 503) });
    const url = `${failing.url}/services/T000/B000/XXXXSECRETXXXX?token=SECRET123`;
    const { url: relayUrl, logs } = await startRelay({
      greeting: 'none',
      webhooks: { allowPrivateNetworks: true, retryBaseMs: 10_000, endpoints: [hook('slackish', url)] },
    });
    const alice = await connectClient(relayUrl, { auth: { room: 'ops' } });
    alice.emit('sendMessage', 'first');
    alice.emit('sendMessage', 'second');
    await failing.waitFor(2);
    await waitUntil(
      'both failures counted',
      async () =>
        (await metric(relayUrl, 'relay_webhook_deliveries_total{endpoint="slackish",outcome="failed"}')) ===
        2,
    );
    const lines = logs.filter((line) => line.msg === 'webhook delivery failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ endpoint: 'slackish', url: new URL(failing.url).origin });
    expect(JSON.stringify(logs)).not.toMatch(/SECRET/);
  });

  it('retries 500, 503, 408 and 429 and dead-letters other 4xx and redirects at once, never following one', async () => {
    const target = await startReceiver();
    const statuses = [500, 503, 408, 429, 400, 404, 301, 307];
    const servers = await Promise.all(
      statuses.map((status) =>
        startReceiver({
          answer: (_d, res) =>
            res.writeHead(status, status >= 300 && status < 400 ? { location: target.url } : {}).end(),
        }),
      ),
    );
    const { url } = await startRelay({
      greeting: 'none',
      webhooks: {
        allowPrivateNetworks: true,
        retryBaseMs: 60_000,
        endpoints: servers.map((server, i) => hook(`s${statuses[i]}`, server.url)),
      },
    });
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    alice.emit('sendMessage', 'hi');
    await Promise.all(servers.map((server) => server.waitFor(1)));
    for (const status of statuses) {
      const outcome = status >= 500 || status === 408 || status === 429 ? 'failed' : 'dead-lettered';
      await waitUntil(
        `${status} counted as ${outcome}`,
        async () =>
          (await metric(
            url,
            `relay_webhook_deliveries_total{endpoint="s${status}",outcome="${outcome}"}`,
          )) === 1,
      );
    }
    expect(target.received).toHaveLength(0);
  });

  it('ignores and counts garbage and oversized answers, publishing nothing for them', async () => {
    const answers: Record<string, (res: import('node:http').ServerResponse) => void> = {
      notJson: (res) => res.writeHead(200).end('<html>hello</html>'),
      noReply: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      array: (res) => res.writeHead(200).end('[1,2]'),
      badContent: (res) => res.writeHead(200).end('{"content":42}'),
      // At the limit: read; one byte past it: cut off.
      atLimit: (res) => res.writeHead(200).end(JSON.stringify({ text: 'x'.repeat(1024 - 11) })),
      pastLimit: (res) => res.writeHead(200).end(JSON.stringify({ text: 'x'.repeat(1024 - 10) })),
      huge: (res) => {
        res.writeHead(200);
        const chunk = Buffer.alloc(65_536, 'x');
        const write = () => {
          while (res.write(chunk)) {}
          res.once('drain', write);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        write();
      },
    };
    const receivers = await Promise.all(
      Object.entries(answers).map(async ([id, answer]) => ({
        id,
        receiver: await startReceiver({ answer: (_d, res) => answer(res) }),
      })),
    );
    const { url } = await startRelay({
      greeting: 'none',
      webhooks: {
        allowPrivateNetworks: true,
        maxResponseBytes: 1024,
        // Not { all: true }: the one published answer must not be sent to them in turn.
        endpoints: receivers.map(({ id, receiver }) => hook(id, receiver.url, { prefix: 'hi' })),
      },
    });
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    const botAnswers: [MessageContent, MessageMeta][] = [];
    alice.on('sendMessageFromBack', (content, meta) => {
      if (meta.from.kind === 'bot') botAnswers.push([content, meta]);
    });
    const published = waitForEvent<[MessageContent, MessageMeta]>(alice, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (_c, meta) => meta.from.kind === 'bot',
    });
    alice.emit('sendMessage', 'hi');
    const [, meta] = await published;
    expect(meta.from.id).toBe('webhook:atLimit');
    for (const [id, outcome] of [
      ['notJson', 'garbage'],
      ['array', 'garbage'],
      ['badContent', 'refused'],
      ['pastLimit', 'too-large'],
      ['huge', 'too-large'],
    ]) {
      await waitUntil(
        `${id}: ${outcome}`,
        async () =>
          (await metric(url, `relay_webhook_answers_total{endpoint="${id}",outcome="${outcome}"}`)) === 1,
      );
    }
    expect(await metric(url, 'relay_webhook_answers_total{endpoint="noReply",outcome="garbage"}')).toBe(1);
    await quietWindow(200);
    expect(botAnswers).toHaveLength(1);
  });

  it('holds at most webhooks.concurrency attempts in flight per endpoint and queues at most webhooks.maxQueued', async () => {
    const hanging = await startReceiver({ answer: () => {} });
    const { url } = await startRelay({
      greeting: 'none',
      webhooks: {
        allowPrivateNetworks: true,
        timeoutMs: 3000,
        concurrency: 2,
        maxQueued: 3,
        endpoints: [hook('hanging', hanging.url)],
      },
    });
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    for (let i = 0; i < 4; i++) alice.emit('sendMessage', `m${i}`);
    // At the concurrency limit: two in flight; the third waits on disk; the fourth is one past maxQueued.
    await hanging.waitFor(2);
    await waitUntil(
      'the fourth dropped',
      async () =>
        (await metric(url, 'relay_webhook_deliveries_total{endpoint="hanging",outcome="dropped"}')) === 1,
    );
    expect(await metric(url, 'relay_webhook_queue_depth{endpoint="hanging",state="sending"}')).toBe(2);
    expect(await metric(url, 'relay_webhook_queue_depth{endpoint="hanging",state="pending"}')).toBe(1);
    await quietWindow(200);
    expect(hanging.received.map((d) => d.body.content)).toEqual(['m0', 'm1']);
  });
});
