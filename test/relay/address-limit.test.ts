import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AddressLimit, clientAddress } from '../../src/relay/address-limit.js';
import { connectClient, openClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const handshake = (url: string, address?: string) =>
  fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
    headers: address === undefined ? {} : { 'x-forwarded-for': `198.51.100.99, ${address}` },
  });

const refusalLines = (logs: Record<string, unknown>[]) =>
  logs.filter(
    (line) =>
      line.msg === 'connections refused: the address is over addressLimit (logged once until it stops)',
  );

async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the per-address limit of socket handshakes', () => {
  it('lets an address make `burst` handshakes and refuses the next, per address, logged once', async () => {
    const { url, logs } = await startRelay({
      trustProxy: true,
      addressLimit: { burst: 3, perSecond: 0.001, maxConnections: 100 },
    });
    for (let i = 0; i < 3; i += 1) expect((await handshake(url, '203.0.113.7')).status).toBe(200);
    for (let i = 0; i < 3; i += 1) {
      const refused = await handshake(url, '203.0.113.7');
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ message: 'RELAY_ERR_RATE_LIMITED' });
    }
    // Another address has its own bucket; the first value of X-Forwarded-For is the client's to forge.
    expect((await handshake(url, '203.0.113.8')).status).toBe(200);
    // Loopback (here: no proxy header, the test's own address) is not limited.
    for (let i = 0; i < 5; i += 1) expect((await handshake(url)).status).toBe(200);

    expect(refusalLines(logs)).toEqual([
      expect.objectContaining({ address: '203.0.113.7', code: 'RELAY_ERR_RATE_LIMITED' }),
    ]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^relay_handshakes_refused_total\{reason="rate"\} 3$/m);
    expect(metrics).toMatch(/^relay_handshakes_refused_total\{reason="connections"\} 0$/m);
  });

  it('takes the address from X-Forwarded-For only with trustProxy', async () => {
    const { url } = await startRelay({ addressLimit: { burst: 1, perSecond: 0.001, maxConnections: 100 } });
    // Without trustProxy the header is anyone's to send: the address is the peer's, loopback here.
    for (let i = 0; i < 3; i += 1) expect((await handshake(url, '203.0.113.7')).status).toBe(200);
  });

  it('counts a client under its address without the port a proxy may add, and an IPv6 one by /64', async () => {
    const { url } = await startRelay({
      trustProxy: true,
      addressLimit: { burst: 2, perSecond: 0.001, maxConnections: 100 },
    });
    expect((await handshake(url, '203.0.113.5:4444')).status).toBe(200);
    expect((await handshake(url, '203.0.113.5:4445')).status).toBe(200);
    expect((await handshake(url, '203.0.113.5')).status).toBe(403);
    expect((await handshake(url, '2001:db8:1:2::1')).status).toBe(200);
    expect((await handshake(url, '[2001:db8:1:2:aaaa::7]:443')).status).toBe(200);
    expect((await handshake(url, '2001:db8:1:2:ffff:ffff:ffff:ffff')).status).toBe(403);
    expect((await handshake(url, '2001:db8:1:3::1')).status).toBe(200);
  });

  it('does not take a forwarded loopback address as local, and counts forwarded non-addresses as one', async () => {
    const { url } = await startRelay({
      trustProxy: true,
      addressLimit: { burst: 2, perSecond: 0.001, maxConnections: 100 },
    });
    // A client that reaches the relay past a proxy that does not append its address can say anything.
    for (const expected of [200, 200, 403]) expect((await handshake(url, '127.0.0.1')).status).toBe(expected);
    for (const [forged, expected] of [
      ['unknown', 200],
      ['not-an-address', 200],
      ['also:forged', 403],
    ] as const) {
      expect((await handshake(url, forged)).status).toBe(expected);
    }
    // The TCP peer (the test, over loopback) without the header is still not limited.
    for (let i = 0; i < 5; i += 1) expect((await handshake(url)).status).toBe(200);
  });

  it('says in its log line when the limited address looks like a proxy whose clients are not told apart', async () => {
    // No trustProxy, so the address is the TCP peer's: only a non-loopback peer is limited, and a test
    // reaches the relay over loopback; the guard is asked directly with such a peer.
    const lines: { hint?: string }[] = [];
    const limit = new AddressLimit(
      { burst: 1, perSecond: 0.001, maxConnections: 10 },
      {
        trustProxy: false,
        registry: new Registry(),
        onRefused: (refusal) => lines.push(refusal.proxied ? { hint: 'proxied' } : {}),
        onEnded: () => {},
      },
    );
    const fromProxy = {
      headers: { 'x-forwarded-for': '198.51.100.7' },
      socket: { remoteAddress: '10.0.0.2' },
    } as unknown as IncomingMessage;
    const direct = { headers: {}, socket: { remoteAddress: '10.0.0.3' } } as unknown as IncomingMessage;
    for (const req of [fromProxy, fromProxy, fromProxy, direct, direct]) limit.check(req);
    expect(lines).toEqual([{ hint: 'proxied' }, {}]);
    limit.close();
  });

  it('lets an address keep `maxConnections` sockets open and refuses one more until one closes', async () => {
    const { url } = await startRelay({
      trustProxy: true,
      addressLimit: { burst: 100, perSecond: 100, maxConnections: 2 },
    });
    const extraHeaders = { 'x-forwarded-for': '203.0.113.9' };
    const first = await connectClient(url, { extraHeaders });
    await connectClient(url, { extraHeaders });
    const third = openClient(url, { extraHeaders, autoConnect: false });
    const refused = waitForEvent<[Error & { description?: unknown }]>(third, 'connect_error');
    third.connect();
    const [error] = await refused;
    expect(error.description).toBe(403);
    expect(await (await handshake(url, '203.0.113.9')).json()).toMatchObject({
      message: 'RELAY_ERR_TOO_MANY_CONNECTIONS',
    });

    first.disconnect();
    await waitUntil(
      async () => (await handshake(url, '203.0.113.9')).status === 200,
      'a handshake after a close',
    );
  });

  it("is only a delay for the seed's clients: socket.io-client retries a refused handshake", async () => {
    const { url } = await startRelay({
      trustProxy: true,
      addressLimit: { burst: 1, perSecond: 5, maxConnections: 100 },
    });
    const extraHeaders = { 'x-forwarded-for': '203.0.113.10' };
    await connectClient(url, { extraHeaders });
    // The bucket is empty now; the client is refused, backs off, and gets in once it has refilled.
    const later = openClient(url, {
      extraHeaders,
      autoConnect: false,
      reconnection: true,
      // Past the bucket's refill time (one token in 200 ms), so the first retry gets in.
      reconnectionDelay: 300,
      randomizationFactor: 0,
    });
    const refused = waitForEvent(later, 'connect_error');
    later.connect();
    await refused;
    await waitForEvent(later, 'connect', { timeoutMs: 5000 });
    expect(later.connected).toBe(true);
  });
});

describe('clientAddress', () => {
  it.each([
    ['203.0.113.5', '203.0.113.5', false],
    ['203.0.113.5:4444', '203.0.113.5', false],
    ['::ffff:203.0.113.5', '203.0.113.5', false],
    ['::ffff:203.0.113.5:5555', '203.0.113.5', false],
    ['[::ffff:203.0.113.5]:80', '203.0.113.5', false],
    ['::ffff:cb00:7105', '203.0.113.5', false],
    ['::ffff:0:203.0.113.5', '203.0.113.5', false],
    ['64:ff9b::203.0.113.5', '203.0.113.5', false],
    ['::203.0.113.5', '203.0.113.5', false],
    ['::1.2.3.4', '1.2.3.4', false],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.9.9.9:80', '127.9.9.9', true],
    ['::ffff:127.0.0.1', '127.0.0.1', true],
    ['::ffff:7f00:1', '127.0.0.1', true],
    ['::1', '0:0:0:0::/64', true],
    ['[::1]:5000', '0:0:0:0::/64', true],
    ['0:0:0:0:0:0:0:1', '0:0:0:0::/64', true],
    ['::', '0:0:0:0::/64', false],
    ['2001:db8::1', '2001:db8:0:0::/64', false],
    ['2001:DB8:0:0:1::1', '2001:db8:0:0::/64', false],
    ['[2001:db8:1:2:3:4:5:6]:443', '2001:db8:1:2::/64', false],
    ['a::b:c:d:e:1.2.3.4', 'a:0:b:c::/64', false],
    ['fe80::1%eth0', 'fe80:0:0:0::/64', false],
  ])('%s counts as %s (loopback: %s)', (raw, key, loopback) => {
    expect(clientAddress(raw)).toEqual({ key, loopback });
  });

  it.each(['unknown', '', 'evil.example', '999.1.1.1', '203.0.113.5:port'])('%j is no address', (raw) => {
    expect(clientAddress(raw)).toBeUndefined();
  });
});

describe('AddressLimit memory', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const request = (address: string) =>
    ({ headers: {}, socket: { remoteAddress: address } }) as unknown as IncomingMessage;

  it('forgets idle addresses and keeps those with connections open', () => {
    vi.useFakeTimers();
    const limit = new AddressLimit(
      { burst: 2, perSecond: 1, maxConnections: 10 },
      { trustProxy: false, registry: new Registry(), onRefused: () => {}, onEnded: () => {} },
    );
    const engine = new EventEmitter();
    limit.follow(engine);
    for (let i = 0; i < 1000; i += 1) limit.check(request(`10.0.${i >> 8}.${i & 255}`));
    const open = new EventEmitter();
    engine.emit('connection', Object.assign(open, { request: request('198.51.100.1') }));
    expect(limit.size).toBe(1001);

    // Two sweeps: the buckets have refilled (2 tokens at 1 a second) and nothing is open for them.
    vi.advanceTimersByTime(20_000);
    expect(limit.size).toBe(1);
    open.emit('close');
    vi.advanceTimersByTime(10_000);
    expect(limit.size).toBe(0);
    limit.close();
  });
});
