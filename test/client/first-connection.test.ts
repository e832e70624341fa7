// A fresh client may be used at once: `ready()` waits for the connection, and requests made before the
// first connection wait for it in a bounded queue, never to go out after their caller stopped waiting.
import { describe, expect, it } from 'vitest';
import { createRelayClient, type RelayClient, RelayError } from '../../src/client/index.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { freePort } from '../support/free-port.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

// Retries quickly, so a relay started on the port after the client is heard of within a few dozen ms.
const FAST_RETRY = { reconnectionDelay: 50, reconnectionDelayMax: 100 };

function client(url: string, options: Parameters<typeof createRelayClient>[1] = {}): RelayClient {
  return track(createRelayClient(url, options), (c) => c.close());
}

/** The code a rejected promise's RelayError carries, or what else it settled with. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof RelayError ? error.code : `not a RelayError: ${String(error)}`;
  }
}

describe('the first connection', () => {
  it('lets send be awaited right after createRelayClient, as in the docs', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const listener = await connectClient(url, { auth: { room: 'general' } });
    const heard = waitForEvent<[unknown]>(listener, 'sendMessageFromBack');
    const john = client(url, { name: 'John', room: 'general' });
    expect(john.status).toBe('connecting');
    const answer = await john.send('Hello John !');
    expect(answer.ok).toBe(true);
    expect((await heard)[0]).toBe('Hello John !');
  });

  it('ready() resolves on the first connection, and at once when connected', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const john = client(url, { name: 'John' });
    await john.ready();
    expect(john.status).toBe('connected');
    await john.ready();
  });

  it('sends the requests queued before the first connection in call order', async () => {
    const port = await freePort();
    const john = client(`http://127.0.0.1:${port}`, { name: 'John', socket: FAST_RETRY });
    // The relay sends a message back to its sender too: John hears his own messages in the relay's order.
    const heard: string[] = [];
    john.onMessage(({ content, meta }) => heard.push(`${meta.room}: ${String(content)}`));
    const answers = [john.join('ops'), john.send('one'), john.send('two'), john.send('three')];
    expect(john.status).toBe('connecting');
    await startRelay({ greeting: 'none', port });
    const settled = await Promise.all(answers);
    expect(settled.map((answer) => answer.ok)).toEqual([true, true, true, true]);
    await expect.poll(() => heard.length, { timeout: 3000 }).toBe(3);
    expect(heard).toEqual(['ops: one', 'ops: two', 'ops: three']);
    expect(john.room).toBe('ops');
  });

  it('queues maxQueuedSends requests and refuses one more at once with RELAY_ERR_SEND_QUEUE_FULL', async () => {
    const port = await freePort();
    const john = client(`http://127.0.0.1:${port}`, { name: 'John', maxQueuedSends: 3, socket: FAST_RETRY });
    const queued = [john.send('a'), john.send('b'), john.send('c')];
    expect(await codeOf(john.send('d'))).toBe('RELAY_ERR_SEND_QUEUE_FULL');
    expect(john.status).toBe('connecting');
    await startRelay({ greeting: 'none', port });
    expect((await Promise.all(queued)).map((answer) => answer.ok)).toEqual([true, true, true]);
  });

  it('bounds the queued bytes at maxQueuedBytes (UTF-8), refusing one byte past it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const john = client(url, { name: 'John', maxQueuedBytes: 10, socket: FAST_RETRY });
    // Five characters, ten bytes: exactly the limit.
    const atLimit = john.send('ééééé');
    expect(await codeOf(john.send('x'))).toBe('RELAY_ERR_SEND_QUEUE_FULL');
    await startRelay({ greeting: 'none', port });
    expect((await atLimit).ok).toBe(true);
  });

  it('rejects ready() and queued sends with the relay refusal, then refuses at once', async () => {
    const { url } = await startRelay();
    const bad = client(url, { name: '\u0007bell' });
    const ready = bad.ready();
    const queued = bad.send('never');
    expect(await codeOf(ready)).toBe('RELAY_ERR_INVALID_NAME');
    expect(await codeOf(queued)).toBe('RELAY_ERR_INVALID_NAME');
    await ready.catch((error: RelayError) => {
      expect(error.message).toBe(bad.lastError?.message);
    });
    expect(bad.status).toBe('disconnected');
    expect(await codeOf(bad.ready())).toBe('RELAY_ERR_INVALID_NAME');
    expect(await codeOf(bad.send('still never'))).toBe('RELAY_ERR_INVALID_NAME');
  });

  it('gives up after connectTimeoutMs with RELAY_ERR_CONNECT_TIMEOUT, and never sends a given-up message later', async () => {
    const port = await freePort();
    const john = client(`http://127.0.0.1:${port}`, {
      name: 'John',
      connectTimeoutMs: 300,
      socket: FAST_RETRY,
    });
    // The relay sends a message back to its sender too: John would hear "given up" had it gone out.
    const heard: unknown[] = [];
    john.onMessage(({ content }) => heard.push(content));
    const started = Date.now();
    expect(await codeOf(john.send('given up'))).toBe('RELAY_ERR_CONNECT_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(await codeOf(john.ready({ timeoutMs: 50 }))).toBe('RELAY_ERR_CONNECT_TIMEOUT');

    // The relay comes up; the client, still retrying, connects, and only what is sent now arrives.
    await startRelay({ greeting: 'none', port });
    await john.ready({ timeoutMs: 5000 });
    await john.send('sent now');
    await expect.poll(() => heard, { timeout: 3000 }).toContain('sent now');
    expect(heard).toEqual(['sent now']);
  });

  it('rejects what waits with RELAY_ERR_NOT_CONNECTED on close(), and everything after it', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const john = client(url, { name: 'John', socket: FAST_RETRY });
    const ready = john.ready();
    const queued = john.send('never');
    john.close();
    expect(await codeOf(ready)).toBe('RELAY_ERR_NOT_CONNECTED');
    expect(await codeOf(queued)).toBe('RELAY_ERR_NOT_CONNECTED');
    expect(await codeOf(john.ready())).toBe('RELAY_ERR_NOT_CONNECTED');
    expect(await codeOf(john.send('after close'))).toBe('RELAY_ERR_NOT_CONNECTED');
  });

  it('refuses a send after a drop at once (RELAY_ERR_NOT_CONNECTED); ready() waits for the reconnection', async () => {
    const first = await startRelay({ greeting: 'none' });
    const port = Number(new URL(first.url).port);
    const john = client(first.url, { name: 'John', socket: FAST_RETRY });
    const heard: unknown[] = [];
    john.onMessage(({ content }) => heard.push(content));
    await john.ready();
    await first.server.close();
    await expect.poll(() => john.status, { timeout: 3000 }).toBe('reconnecting');
    expect(await codeOf(john.send('while down'))).toBe('RELAY_ERR_NOT_CONNECTED');

    const back = john.ready({ timeoutMs: 5000 });
    await startRelay({ greeting: 'none', port });
    await back;
    expect(john.status).toBe('connected');
    await john.send('back');
    await expect.poll(() => heard, { timeout: 3000 }).toContain('back');
    expect(heard).toEqual(['back']);
  });
});
