// A client that floods refused events gets a bounded number of answers, then is dropped.
import { describe, expect, it } from 'vitest';
import { RelayError, type WireError } from '../../src/index.js';
import { MAX_REFUSALS } from '../../src/relay/refusal-window.js';
import { WARN } from '../support/capture-logs.js';
import { connectClient } from '../support/connect-client.js';
import { openRawPolling, openRawWebSocket } from '../support/raw-engine-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

type Refusal = WireError & { event: string };
type Loose = { emit(event: string, ...args: unknown[]): void };

// Proves the relay still serves: a fresh client sends and hears its own message.
async function expectHealthy(url: string): Promise<void> {
  const healthy = await connectClient(url, { auth: { name: 'healthy' } });
  const heard = waitForEvent<[string]>(healthy, 'sendMessageFromBack', { filter: (c) => c === 'still here' });
  expect(await healthy.emitWithAck('sendMessage', 'still here')).toMatchObject({ ok: true });
  await heard;
}

const relayErrors = (packets: readonly string[]): Refusal[] =>
  packets
    .filter((packet) => packet.startsWith('42["relayError"'))
    .map((packet) => (JSON.parse(packet.slice(2)) as [string, Refusal])[1]);

async function metric(server: { metricsRegistry: { metrics(): Promise<string> } }, series: string) {
  const line = (await server.metricsRegistry.metrics())
    .split('\n')
    .find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('refusal floods', () => {
  it(`answers ${MAX_REFUSALS} refusals a window, then RELAY_ERR_FLOODING once, and drops the socket`, async () => {
    const { server, url, logs } = await startRelay({ greeting: 'none' });
    const flooder = await connectClient(url, { auth: { name: 'flooder' } });
    const refusals: Refusal[] = [];
    flooder.on('relayError', (error) => refusals.push(error as Refusal));
    // At the limit: every refusal answered, still connected. Past the default rate limit (bursts of 20),
    // most are RELAY_ERR_RATE_LIMITED: refusals of any kind count.
    for (let i = 0; i < MAX_REFUSALS; i += 1) (flooder as unknown as Loose).emit('nope', i);
    await expect.poll(() => refusals.length).toBe(MAX_REFUSALS);
    expect(flooder.connected).toBe(true);
    expect(new Set(refusals.map((r) => r.code))).toEqual(
      new Set(['RELAY_ERR_UNKNOWN_EVENT', 'RELAY_ERR_RATE_LIMITED']),
    );

    // One past it: the answer says why, and the relay disconnects it (socket.io-client does not retry).
    const dropped = waitForEvent<[string]>(flooder, 'disconnect');
    (flooder as unknown as Loose).emit('nope', 'one more');
    expect((await dropped)[0]).toBe('io server disconnect');
    expect(refusals).toHaveLength(MAX_REFUSALS + 1);
    expect(refusals.at(-1)).toMatchObject({ code: 'RELAY_ERR_FLOODING', event: 'nope' });

    // Logged twice for the whole flood: when it started, and when it was dropped, with the count.
    const lines = logs.filter((line) => line.msg === 'input refused' && line.level === WARN);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ code: 'RELAY_ERR_FLOODING', refused: MAX_REFUSALS + 1 });
    expect(await metric(server, 'relay_publish_errors_total{code="RELAY_ERR_FLOODING"}')).toBe(1);
    await expectHealthy(url);
  });

  it.each([
    ['unknown events', '42["x"]'],
    ['rate-limited messages', '42["sendMessage","x"]'],
  ])('answers a WebSocket flood of %s written at once with %s', async (_label, packet) => {
    const { url } = await startRelay({ greeting: 'none' });
    const flooder = await openRawWebSocket(url);
    flooder.write(Array.from({ length: 20_000 }, () => packet));
    await flooder.closed;
    const answers = relayErrors(flooder.packets);
    expect(answers).toHaveLength(MAX_REFUSALS + 1);
    expect(answers.at(-1)?.code).toBe('RELAY_ERR_FLOODING');
    expect(flooder.packets).toContain('41'); // socket.io's disconnect
    await expectHealthy(url);
  });

  it('answers one polling POST of thousands of tiny events with a bounded body, then closes the session', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const session = await openRawPolling(url);
    const flood = Array.from({ length: 7500 }, () => '42["x"]');
    expect(await session.post(flood)).toBe(200);
    const answered: string[] = [];
    for (let poll = 0; poll < 10; poll += 1) {
      const packets = await session.poll();
      if (packets === 'closed') break;
      answered.push(...packets);
      if (packets.includes('1')) break; // engine.io's close
    }
    const answers = relayErrors(answered);
    expect(answers).toHaveLength(MAX_REFUSALS + 1);
    expect(answers.at(-1)?.code).toBe('RELAY_ERR_FLOODING');
    // ~60 KB sent; before the bound, ~1.9 MB of answers were queued for this one request.
    expect(Buffer.byteLength(answered.join('\x1e'))).toBeLessThan(64 * 1024);
    expect(await session.poll()).toBe('closed');
    await expectHealthy(url);
  });

  it('still answers acked refusals through their acks until the flood passes the bound', async () => {
    const { url } = await startRelay({ greeting: 'none', rateLimit: { burst: 5, perSecond: 1 } });
    const flooder = await connectClient(url);
    const answers = await Promise.allSettled(
      Array.from({ length: MAX_REFUSALS + 10 }, (_, i) => flooder.emitWithAck('sendMessage', `m${i}`)),
    );
    const codes = answers.map((answer) =>
      answer.status === 'rejected' ? 'disconnected' : answer.value.ok ? 'ok' : answer.value.error.code,
    );
    const count = (code: string) => codes.filter((c) => c === code).length;
    expect(count('ok')).toBeGreaterThanOrEqual(5);
    expect(count('RELAY_ERR_RATE_LIMITED')).toBe(MAX_REFUSALS);
    expect(count('RELAY_ERR_FLOODING')).toBe(1);
    // What the client had sent past the drop is never read: its acks fail on the client's side.
    expect(count('disconnected')).toBe(MAX_REFUSALS + 10 - count('ok') - MAX_REFUSALS - 1);
    expect(codes.indexOf('RELAY_ERR_FLOODING')).toBeGreaterThan(codes.lastIndexOf('RELAY_ERR_RATE_LIMITED'));
  });

  it("keeps a client that retries through an outage: the relay's own 503s are not the client's flood", async () => {
    const { server, url } = await startRelay({ greeting: 'none', rateLimit: false });
    // What cluster mode plugs in, with its Redis away: each message refused (sync) or not confirmed (async).
    let away = true;
    let refusedLater = 0;
    server.relay.commitWith({
      assertReady() {
        if (away) throw new RelayError('RELAY_ERR_NOT_READY', 'Redis is unreachable');
      },
      async commit(emit) {
        if (refusedLater++ % 2 === 0) throw new RelayError('RELAY_ERR_NOT_READY', 'Redis did not confirm');
        emit();
      },
    });
    const client = await connectClient(url);
    const codes: string[] = [];
    for (let i = 0; i < MAX_REFUSALS * 2; i += 1) {
      const ack = await client.timeout(5000).emitWithAck('sendMessage', `m${i}`);
      codes.push(ack.ok ? 'ok' : ack.error.code);
      if (i === MAX_REFUSALS) away = false; // Redis is back, but loses half of what it is sent
    }
    expect(client.connected).toBe(true);
    expect(new Set(codes)).toEqual(new Set(['RELAY_ERR_NOT_READY', 'ok']));
    expect(codes.filter((code) => code === 'RELAY_ERR_NOT_READY').length).toBeGreaterThan(MAX_REFUSALS + 1);
    // Its own bad input still counts as before: one past the bound drops it.
    const dropped = waitForEvent<[string]>(client, 'disconnect');
    for (let i = 0; i <= MAX_REFUSALS; i += 1) (client as unknown as Loose).emit('nope', i);
    expect((await dropped)[0]).toBe('io server disconnect');
  });

  // Each socket was its own episode: a client that opened 300 sockets and sent one bad event on each
  // wrote 300 warn lines.
  it('logs the refusals of many sockets from one client as one episode, summed up at close', async () => {
    const { server, url, logs } = await startRelay({ greeting: 'none' });
    const sockets = await Promise.all(Array.from({ length: 30 }, () => connectClient(url)));
    await Promise.all(
      sockets.map((socket) => socket.timeout(5000).emitWithAck('no such event' as 'sendMessage', 'x')),
    );
    const refused = logs.filter((line) => line.msg === 'input refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: WARN, code: 'RELAY_ERR_UNKNOWN_EVENT', client: '127.0.0.1' });
    await server.close();
    expect(logs.filter((line) => line.msg === 'input refusals ended')).toEqual([
      expect.objectContaining({ client: '127.0.0.1', refused: 30 }),
    ]);
  });

  it('never drops a bot for its refusals: bots hold the bot token', async () => {
    const { server, url } = await startRelay({ greeting: 'none', botRateLimit: { burst: 1, perSecond: 1 } });
    const bot = await connectClient(url, { auth: { name: 'noisy-bot', botToken: server.botToken } });
    const answers = await Promise.all(
      Array.from({ length: MAX_REFUSALS + 20 }, (_, i) =>
        bot.emitWithAck('botMessage', `b${i}`, { room: 'lobby' }),
      ),
    );
    expect(answers.filter((answer) => !answer.ok)).toHaveLength(MAX_REFUSALS + 19);
    expect(bot.connected).toBe(true);
  });
});
