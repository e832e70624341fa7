// Per-token rate limit (429 + Retry-After) and refusal while the relay shuts down (503).
import { describe, expect, it } from 'vitest';
import { listener, nextMessage, problemOf, startApiRelay } from './api-relay.js';

describe('HTTP API limits and shutdown', () => {
  it('answers 429 with Retry-After once a token is over its rate limit, per token, and sends nothing then', async () => {
    const { url, send } = await startApiRelay({ api: { rateLimit: { burst: 2, perSecond: 0.2 } } });
    const client = await listener(url);
    const heard: unknown[] = [];
    client.on('sendMessageFromBack', (content) => heard.push(content));
    expect((await send('/v1/messages', { body: { content: 'one' } })).status).toBe(202);
    expect(
      (await send('/v1/messages/batch', { body: { messages: [{ content: 'two' }, { content: 'three' }] } }))
        .status,
    ).toBe(202);
    const limited = await send('/v1/messages', { body: { content: 'four' } });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 5).toBe(true);
    expect(await problemOf(limited)).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED', status: 429 });
    const limitedBatch = await send('/v1/messages/batch', { body: { messages: [{ content: 'five' }] } });
    expect(limitedBatch.status).toBe(429);

    // Another token has its own bucket; its message is the next one heard after "three".
    const last = nextMessage(client);
    expect(
      (await send('/v1/messages', { token: 'ops-s3cr3t', body: { content: 'other token' } })).status,
    ).toBe(202);
    expect((await last).content).toBe('other token');
    expect(heard).toEqual(['one', 'two', 'three', 'other token']);
  });

  it('answers 503 (and /readyz 503) from the moment close() starts, while /healthz stays 200', async () => {
    const { server, url, send } = await startApiRelay();
    const client = await listener(url);
    const hears = nextMessage(client);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    let release = () => {};
    // A job still draining keeps the relay in its first close phase: HTTP still answers.
    server.onPreClose(() => new Promise<void>((resolve) => (release = resolve)));
    const closed = server.close();

    const refused = await send('/v1/messages', { body: { content: 'too late' } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await problemOf(refused)).toMatchObject({
      code: 'RELAY_ERR_SHUTTING_DOWN',
      title: 'Shutting down',
    });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await problemOf(ready)).toMatchObject({ code: 'RELAY_ERR_SHUTTING_DOWN' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // The relay itself still publishes in this phase: the client's next message is this one, not "too late".
    server.relay.publish('marker', { from: { id: 't', name: 't', kind: 'system' } });
    expect((await hears).content).toBe('marker');
    release();
    await closed;
  });
});
