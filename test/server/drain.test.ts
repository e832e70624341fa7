// RelayServer.drain(): what SIGTERM does in `relay serve` — not ready for a while, still serving, then closed.
import { describe, expect, it } from 'vitest';
import { listener, nextMessage, problemOf } from '../http/api-relay.js';
import { startRelay } from '../support/start-relay.js';

describe('RelayServer.drain', () => {
  it('answers /readyz 503 while still serving /healthz, the API and sockets, then closes by itself', async () => {
    const { server, url } = await startRelay({ greeting: 'none', api: { tokens: ['ci:ci-s3cr3t:publish'] } });
    const client = await listener(url);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const drained = server.drain(1500);
    expect(server.draining).toBe(true);
    expect(server.closing).toBe(false);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await problemOf(ready)).toMatchObject({
      code: 'RELAY_ERR_NOT_READY',
      detail: expect.stringMatching(/^not ready: draining \(closing in \d+ ms\); /),
    });
    expect(server.checkReadiness().checks.draining).toMatchObject({ ok: false });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // A client still connected keeps getting messages while the load balancer moves new ones away.
    const heard = nextMessage(client);
    const posted = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer ci-s3cr3t', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'still here' }),
    });
    expect(posted.status).toBe(202);
    expect((await heard).content).toBe('still here');

    await drained;
    expect(server.closing).toBe(true);
    expect(server.httpServer.listening).toBe(false);
    expect(server.drain()).toBe(server.close());
  });

  it('closes at once when close() is called during the delay, and drain() is idempotent', async () => {
    const { server } = await startRelay();
    const first = server.drain(600_000);
    expect(server.drain(10)).toBe(first);
    // Resolving within the test's timeout, far below the 10-minute delay, shows the close cut it short.
    await server.close();
    await first;
    expect(server.httpServer.listening).toBe(false);
  });

  it('takes its default delay from drainDelayMs, 0 closing at once', async () => {
    const { server, url } = await startRelay({ drainDelayMs: 0 });
    await server.drain();
    expect(server.httpServer.listening).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
