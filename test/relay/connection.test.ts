// What one socket's reads (history pages, members lists) may cost the relay: a real relay, real clients.
import { describe, expect, it } from 'vitest';
import { WARN } from '../support/capture-logs.js';
import { metricValue } from '../support/check-metrics.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';

type Answer = { ok: boolean; messages?: unknown[]; error?: { code: string; retryAfterMs?: number } };

describe('reads of one socket', () => {
  // Each read took its token as it came and was charged for its page only once answered, after every
  // request of the burst had taken its token: a burst of large pages for the price of small ones.
  it('answers a burst of large history reads one at a time, each once the charges before it are paid', async () => {
    // Three tokens: the three requests take them all as they come.
    const { server, url } = await startRelay({ greeting: 'none', rateLimit: { burst: 3, perSecond: 1 } });
    const from = { id: 'feed', name: 'feed', kind: 'http' } as const;
    const published = [];
    for (let i = 0; i < 200; i += 1) published.push(server.relay.publish('x'.repeat(4000), { from }));
    await Promise.all(published.map((message) => message.committed));
    const client = await connectClient(url, { transports: ['websocket'] });

    const answers = (await Promise.all(
      Array.from({ length: 3 }, () => client.timeout(10_000).emitWithAck('history', { limit: 200 })),
    )) as Answer[];
    // The first page (200 × 4000 characters) costs 3 tokens more: the bucket is overdrawn, and the
    // next two are refused, at their turn or, had the first page been answered already, as they came.
    expect(answers.map((answer) => answer.ok)).toEqual([true, false, false]);
    expect(answers[0]?.messages).toHaveLength(200);
    for (const refused of answers.slice(1)) {
      expect(refused.error).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED' });
      expect(refused.error?.retryAfterMs).toBeGreaterThan(0);
    }
    expect(client.connected).toBe(true);
  });

  it('keeps at most four reads waiting for their turn; past that they are refused at once', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const client = await connectClient(url, { transports: ['websocket'] });
    const answers = (await Promise.all(
      Array.from({ length: 8 }, () => client.timeout(10_000).emitWithAck('members', {})),
    )) as Answer[];
    // Four waiting, and one running if the first had started before the rest came: the others refused.
    const answered = answers.filter((answer) => answer.ok).length;
    expect(answered).toBeGreaterThanOrEqual(4);
    expect(answered).toBeLessThanOrEqual(5);
    for (const refused of answers.filter((answer) => !answer.ok)) {
      expect(refused.error).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED', retryAfterMs: 250 });
    }
  });

  // One page of escaped text is ~6 times its characters on the wire: the relay cut the reader for it
  // (the slow-consumer hard cap), and the client kit's gap fill asked again for ever.
  it('pages history of escaped text by its size as sent, and never cuts the reader for one answer', async () => {
    const { server, url } = await startRelay({ greeting: 'none', rateLimit: false });
    const from = { id: 'feed', name: 'feed', kind: 'http' } as const;
    const published = [];
    for (let i = 0; i < 200; i += 1) published.push(server.relay.publish('\u0001'.repeat(4096), { from }));
    await Promise.all(published.map((message) => message.committed));
    const ids = published.map((message) => message.id);
    const client = await connectClient(url, { transports: ['websocket'] });
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 20; page += 1) {
      const answer = (await client
        .timeout(10_000)
        .emitWithAck('history', { limit: 200, ...(before ? { before } : {}) })) as Answer & {
        messages: { meta: { id: string } }[];
        more: boolean;
      };
      expect(answer.ok).toBe(true);
      // ~1 MiB a page as sent: 42 of these 24 KiB messages, not 200.
      expect(answer.messages.length).toBeLessThan(50);
      seen.unshift(...answer.messages.map(({ meta }) => meta.id));
      before = answer.messages[0]?.meta.id;
      if (!answer.more) break;
    }
    // Paged back to the first one, none skipped or repeated, and the reader never cut.
    expect(seen).toEqual(ids);
    expect(client.connected).toBe(true);
  });

  // Only the publish path used to log and count: refused joins and reads left no trace until the
  // flooding cut, so a client could try a hundred rooms it may not enter unseen.
  it('logs and counts refused joins and reads as it does refused messages: one line an episode', async () => {
    const { server, url, logs } = await startRelay({ greeting: 'none', rateLimit: false });
    const client = await connectClient(url, { transports: ['websocket'] });
    const codes: string[] = [];
    for (const room of [42, '', 'a/b']) {
      const answer = (await client.emitWithAck('join', room as string)) as Answer;
      codes.push(answer.error?.code ?? 'ok');
    }
    const read = (await client.emitWithAck('history', { limit: -1 })) as Answer;
    codes.push(read.error?.code ?? 'ok');
    expect(codes).toEqual([
      'RELAY_ERR_INVALID_ROOM',
      'RELAY_ERR_INVALID_ROOM',
      'RELAY_ERR_INVALID_ROOM',
      'RELAY_ERR_INVALID_OPTIONS',
    ]);
    const metrics = await server.metricsRegistry.metrics();
    expect(metricValue(metrics, 'relay_publish_errors_total{code="RELAY_ERR_INVALID_ROOM"}')).toBe(3);
    expect(metricValue(metrics, 'relay_publish_errors_total{code="RELAY_ERR_INVALID_OPTIONS"}')).toBe(1);
    const lines = logs.filter((line) => line.msg === 'input refused' && line.level === WARN);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ code: 'RELAY_ERR_INVALID_ROOM' });
  });
});
