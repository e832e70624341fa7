import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createHostGuard } from '../../src/relay/create-host-guard.js';
import { createOriginGuard } from '../../src/relay/create-origin-guard.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';

const handshake = (url: string, origin?: string) =>
  fetch(`${url}/socket.io/?EIO=4&transport=polling`, origin ? { headers: { origin } } : {});

describe('origin checks', () => {
  it('allows no-origin clients, same-origin and loopback pages by default, and refuses others', async () => {
    const { url, logs } = await startRelay();
    await connectClient(url, { transports: ['websocket'] });
    await connectClient(url, {
      transports: ['websocket'],
      extraHeaders: { origin: 'http://localhost:5173' },
    });
    expect((await handshake(url, url)).status).toBe(200);

    for (const transports of [['websocket'], ['polling']]) {
      await expect(
        connectClient(url, { transports, extraHeaders: { origin: 'https://evil.example' } }),
      ).rejects.toThrow();
    }
    const refused = await handshake(url, 'https://evil.example');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ message: 'RELAY_ERR_ORIGIN_NOT_ALLOWED' });
    // Three handshakes refused, one line: a page retrying its handshake does not flood the log.
    expect(logs.filter((line) => line.code === 'RELAY_ERR_ORIGIN_NOT_ALLOWED')).toEqual([
      expect.objectContaining({ origin: 'https://evil.example' }),
    ]);
  });

  it('reports the first 64 refused origins once each, and no more', () => {
    const reported: string[] = [];
    const guard = createOriginGuard(
      ['https://chat.example.com'],
      createHostGuard({ allowedHosts: [], origins: [] }),
      (origin) => reported.push(origin),
    );
    const ask = (origin: string) =>
      guard.allowRequest({ headers: { origin, host: 'relay.example' } } as IncomingMessage, () => {});
    for (let i = 0; i < 65; i += 1) ask(`https://probe-${i}.example`);
    ask('https://probe-0.example');
    expect(reported).toHaveLength(64);
    expect(reported.at(-1)).toBe('https://probe-63.example');
  });

  it('allows exactly the configured origins once origins are set, with CORS headers for them', async () => {
    const { url } = await startRelay({ origins: ['https://chat.example.com'] });
    const allowed = await handshake(url, 'https://chat.example.com');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://chat.example.com');
    expect((await handshake(url, 'http://localhost:5173')).status).toBe(403);
    await expect(
      connectClient(url, {
        transports: ['websocket'],
        extraHeaders: { origin: 'https://other.example.com' },
      }),
    ).rejects.toThrow();
  });

  it('allows any origin with "*"', async () => {
    const { url } = await startRelay({ origins: ['*'] });
    expect((await handshake(url, 'https://anywhere.example')).status).toBe(200);
  });
});
