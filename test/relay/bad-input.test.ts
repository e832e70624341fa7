import { describe, expect, it } from 'vitest';
import type { WireError } from '../../src/index.js';
import { WARN } from '../support/capture-logs.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

// Proves the relay still serves: a fresh client sends and hears its own message.
async function expectHealthy(url: string): Promise<void> {
  const healthy = await connectClient(url, { auth: { name: 'healthy' } });
  const heard = waitForEvent<[string]>(healthy, 'sendMessageFromBack', { filter: (c) => c === 'still here' });
  expect(await healthy.emitWithAck('sendMessage', 'still here')).toMatchObject({ ok: true });
  await heard;
}

const BAD_CONTENT: Array<[string, unknown, string]> = [
  ['a number', 42, 'RELAY_ERR_INVALID_CONTENT'],
  ['an array', ['a', 'b'], 'RELAY_ERR_INVALID_CONTENT'],
  ['null', null, 'RELAY_ERR_INVALID_CONTENT'],
  ['a boolean', true, 'RELAY_ERR_INVALID_CONTENT'],
  ['binary', Buffer.from('binary'), 'RELAY_ERR_INVALID_CONTENT'],
  ['binary inside an object', { file: Buffer.from('x') }, 'RELAY_ERR_INVALID_CONTENT'],
  ['an empty string', '', 'RELAY_ERR_INVALID_CONTENT'],
  [
    'an object nested too deep',
    JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`),
    'RELAY_ERR_INVALID_CONTENT',
  ],
  ['an oversized string', 'é'.repeat(2049), 'RELAY_ERR_CONTENT_TOO_LARGE'],
  ['an oversized object', { text: 'x'.repeat(4100) }, 'RELAY_ERR_CONTENT_TOO_LARGE'],
];

describe('bad input', () => {
  it.each(BAD_CONTENT)(
    'answers %s with a typed ack error, a warn line, and no broadcast',
    async (_label, content, code) => {
      const { url, logs } = await startRelay({ greeting: 'none' });
      const sender = await connectClient(url);
      const listener = await connectClient(url);
      const heard = collectEvents(listener, 'sendMessageFromBack', 300);
      const answer = await sender.emitWithAck('sendMessage', content as string);
      expect(answer).toEqual({ ok: false, error: { code, message: expect.stringMatching(/; /) } });
      expect(await heard).toEqual([]);
      expect(logs.find((line) => line.level === WARN && line.code === code)).toBeDefined();
      await expectHealthy(url);
    },
  );

  it('answers a missing content (ack only) with RELAY_ERR_INVALID_CONTENT', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const sender = await connectClient(url);
    const answer = await new Promise((resolve) =>
      (sender as TestClient).emit('sendMessage', resolve as never),
    );
    expect(answer).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_INVALID_CONTENT' } });
  });

  it('sends a relayError event when refused input came without an ack', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const sender = await connectClient(url);
    const refused = waitForEvent<[WireError & { event: string }]>(sender, 'relayError');
    sender.emit('sendMessage', 42 as unknown as string);
    expect((await refused)[0]).toMatchObject({ code: 'RELAY_ERR_INVALID_CONTENT', event: 'sendMessage' });
  });

  it('refuses unknown events, with and without an ack, and keeps serving', async () => {
    const { url, logs } = await startRelay({ greeting: 'none' });
    const sender = await connectClient(url);
    const loose = sender as unknown as {
      emit(event: string, ...args: unknown[]): void;
      emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
    };
    expect(await loose.emitWithAck('deleteEverything', 'now')).toMatchObject({
      ok: false,
      error: { code: 'RELAY_ERR_UNKNOWN_EVENT' },
    });
    const refused = waitForEvent<[WireError & { event: string }]>(sender, 'relayError');
    loose.emit('sendMesage', 'typo');
    expect((await refused)[0]).toMatchObject({ code: 'RELAY_ERR_UNKNOWN_EVENT', event: 'sendMesage' });
    // Two refusals in a row from one socket are one episode: one line.
    expect(logs.filter((line) => line.code === 'RELAY_ERR_UNKNOWN_EVENT')).toHaveLength(1);
    await expectHealthy(url);
  });

  it('refuses botMessage from a person', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const sender = await connectClient(url);
    const listener = await connectClient(url);
    const heard = collectEvents(listener, 'sendMessageFromBack', 300);
    expect(await sender.emitWithAck('botMessage', 'I am a bot', { room: 'lobby' })).toMatchObject({
      ok: false,
      error: { code: 'RELAY_ERR_FORBIDDEN' },
    });
    expect(await heard).toEqual([]);
  });

  it('drops a connection whose packet exceeds maxHttpBufferSize and keeps serving others', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    for (const transports of [['websocket'], ['polling']]) {
      const sender = await connectClient(url, { transports });
      const dropped = waitForEvent<[string]>(sender, 'disconnect');
      sender.emit('sendMessage', 'x'.repeat(70 * 1024));
      expect((await dropped)[0]).toMatch(/transport (close|error)/);
    }
    await expectHealthy(url);
  });
});

describe('rate limit', () => {
  it('takes exactly a burst, refuses the next with RELAY_ERR_RATE_LIMITED, logs it once, and recovers after refill', async () => {
    const burst = 5;
    const perSecond = 4;
    const { url, logs } = await startRelay({ greeting: 'none', rateLimit: { burst, perSecond } });
    const flooder = await connectClient(url);
    const began = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => flooder.emitWithAck('sendMessage', `flood ${i}`)),
    );
    // Tokens refilled while the packets arrived: at most one per full 1/perSecond of the whole exchange.
    const refilled = Math.floor(((performance.now() - began) / 1000) * perSecond);
    const accepted = answers.filter((answer) => answer.ok).length;
    // The burst, in order: the first `burst` events pass whatever the timing.
    expect(answers.slice(0, burst).every((answer) => answer.ok)).toBe(true);
    expect(accepted).toBeLessThanOrEqual(burst + refilled);
    for (const answer of answers.filter((a) => !a.ok)) {
      expect(answer).toMatchObject({ error: { code: 'RELAY_ERR_RATE_LIMITED' } });
      // When to try again, for a client to wait on: at most one token's refill (250 ms at 4/s).
      const { retryAfterMs } = (answer as { error: { retryAfterMs?: number } }).error;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(1000 / perSecond);
    }
    if (refilled === 0) expect(answers[burst]).toMatchObject({ ok: false });

    // Other sockets have their own bucket.
    expect(await (await connectClient(url)).emitWithAck('sendMessage', 'unaffected')).toMatchObject({
      ok: true,
    });

    // The bucket refills by itself: retried until a token is back (every 250 ms at 4/s).
    let later = await flooder.emitWithAck('sendMessage', 'after the pause');
    for (const deadline = Date.now() + 3000; !later.ok && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      later = await flooder.emitWithAck('sendMessage', 'after the pause');
    }
    expect(later).toMatchObject({ ok: true });
    // One flood, however many refusals: one log line.
    expect(logs.filter((line) => line.code === 'RELAY_ERR_RATE_LIMITED')).toHaveLength(1);
  });

  it('logs a flood past the rate limit once however many refills it spans, and sums it up at the end', async () => {
    const { server, url, logs } = await startRelay({
      greeting: 'none',
      rateLimit: { burst: 2, perSecond: 20 },
    });
    const flooder = await connectClient(url);
    const answers: Array<Promise<{ ok: boolean }>> = [];
    // 5 messages every 50 ms, 100 a second against 20: refused, then one accepted at each refill.
    for (let round = 0; round < 12; round += 1) {
      for (let i = 0; i < 5; i += 1) answers.push(flooder.emitWithAck('sendMessage', `m${round}.${i}`));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const settled = await Promise.all(answers);
    const refused = settled.filter((answer) => !answer.ok).length;
    expect(settled.length - refused).toBeGreaterThanOrEqual(4); // the burst and at least two refills
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(logs.filter((line) => line.code === 'RELAY_ERR_RATE_LIMITED')).toHaveLength(1);
    await server.close();
    expect(logs.filter((line) => line.msg === 'input refusals ended')).toEqual([
      expect.objectContaining({ level: WARN, code: 'RELAY_ERR_RATE_LIMITED', refused }),
    ]);
  });

  it('limits every event, not only messages', async () => {
    const { url } = await startRelay({ greeting: 'none', rateLimit: { burst: 2, perSecond: 0.01 } });
    const flooder = await connectClient(url);
    const answers = await Promise.all(Array.from({ length: 4 }, () => flooder.emitWithAck('join', 'dev')));
    expect(answers.map((answer) => answer.ok)).toEqual([true, true, false, false]);
    expect(answers[3]).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_RATE_LIMITED' } });
  });
});
