// What one socket's reads (history pages, members lists) may cost the relay: a real relay, real clients.
import { describe, expect, it } from 'vitest';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';

type Answer = { ok: boolean; messages?: unknown[]; error?: { code: string; retryAfterMs?: number } };

describe('reads of one socket', () => {
  // Each read took its token as it came and was charged for its page only once answered, after every
  // request of the burst had taken its token: 20 pages of 800 KB for the price of 20 small ones.
  it('answers a burst of large history reads one at a time, each once the charges before it are paid', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    const from = { id: 'feed', name: 'feed', kind: 'http' } as const;
    const published = [];
    for (let i = 0; i < 200; i += 1) published.push(server.relay.publish('x'.repeat(4000), { from }));
    await Promise.all(published.map((message) => message.committed));
    const client = await connectClient(url, { transports: ['websocket'] });

    const answers = (await Promise.all(
      Array.from({ length: 20 }, () => client.timeout(10_000).emitWithAck('history', { limit: 200 })),
    )) as Answer[];
    const pages = answers.filter((answer) => answer.ok);
    // A page of 200 × 4000 characters costs 3 tokens more than its request: a full bucket (20) pays
    // for five such reads, however the burst reaches the relay.
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.length).toBeLessThanOrEqual(5);
    expect(pages[0]?.messages).toHaveLength(200);
    for (const refused of answers.filter((answer) => !answer.ok)) {
      expect(refused.error).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED' });
      expect(refused.error?.retryAfterMs).toBeGreaterThan(0);
    }
    expect(client.connected).toBe(true);
  });

  it('keeps at most four reads waiting behind the one running; past that they are refused at once', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const client = await connectClient(url, { transports: ['websocket'] });
    // One frame: every request is in before the first one's turn.
    const answers = (await Promise.all(
      Array.from({ length: 7 }, () => client.timeout(10_000).emitWithAck('members', {})),
    )) as Answer[];
    // At the limit: four waiting for their turn, answered; one past it and more: refused.
    expect(answers.map((answer) => answer.ok)).toEqual([true, true, true, true, false, false, false]);
    expect(answers.slice(4).map((answer) => answer.error?.code)).toEqual([
      'RELAY_ERR_RATE_LIMITED',
      'RELAY_ERR_RATE_LIMITED',
      'RELAY_ERR_RATE_LIMITED',
    ]);
  });
});
