// The schedule store across relay restarts: runtime jobs survive and fire exactly once, the missed-run
// policy, pause and last-run records are kept.
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents } from '../support/wait-for-event.js';
import { cronAtSecondIn, tempStore, until } from './temp-store.js';

type Heard = [content: unknown, meta: MessageMeta];

describe('durable schedules', () => {
  it('keeps a runtime job across a restart; after it the job fires exactly once per slot', async () => {
    const store = await tempStore();
    const { cron, at } = cronAtSecondIn(4000);
    const first = await startRelay({ scheduler: { store } });
    first.server.scheduler.add({ id: 'once-a-minute', cron, content: 'after the restart' });
    await first.server.close();

    const second = await startRelay({ greeting: 'none', scheduler: { store } });
    expect(second.server.scheduler.list()).toMatchObject([{ id: 'once-a-minute', cron, origin: 'api' }]);
    const client = await connectClient(second.url);
    const heard = collectEvents<Heard>(
      client,
      'sendMessageFromBack',
      Math.max(0, at.getTime() - Date.now()) + 1500,
    );
    const messages = await heard;
    expect(messages.map(([content, meta]) => [content, meta.from.name])).toEqual([
      ['after the restart', 'once-a-minute'],
    ]);
    expect(second.server.scheduler.get('once-a-minute')).toMatchObject({
      runs: 1,
      lastRun: { reason: expect.any(String), outcome: 'ok' },
    });
  });

  it('runs a slot missed while the relay was down once at start when within the grace period, never twice', async () => {
    const store = await tempStore();
    const { cron, at } = cronAtSecondIn(2500);
    const first = await startRelay({ scheduler: { store } });
    first.server.scheduler.add({ id: 'missed', cron, content: 'sorry, late' });
    await first.server.close();
    await until(new Date(at.getTime() + 300));

    const second = await startRelay({ scheduler: { store, missedRunGraceMs: 60_000 } });
    expect(second.server.scheduler.get('missed')).toMatchObject({
      runs: 1,
      lastRun: { reason: 'catch-up', scheduledFor: at.toISOString(), outcome: 'ok' },
    });
    await second.server.close();

    const third = await startRelay({ scheduler: { store, missedRunGraceMs: 60_000 } });
    expect(third.server.scheduler.get('missed')).toMatchObject({ runs: 1, lastRun: { reason: 'catch-up' } });
  });

  it('skips a missed slot older than the grace period', async () => {
    const store = await tempStore();
    const { cron, at } = cronAtSecondIn(2500);
    const first = await startRelay({ scheduler: { store } });
    first.server.scheduler.add({ id: 'missed', cron, content: 'too late' });
    await first.server.close();
    await until(new Date(at.getTime() + 300));

    const second = await startRelay({ scheduler: { store, missedRunGraceMs: 0 } });
    expect(second.server.scheduler.get('missed')).toMatchObject({ runs: 0, lastRun: null });
  });

  it('keeps the pause of a job and the last run of a declared job, which is not stored as a runtime job', async () => {
    const store = await tempStore();
    const schedules = [
      { id: 'digest', cron: '0 0 8 * * *', timezone: 'Europe/Paris', content: 'Daily digest' },
    ];
    const first = await startRelay({ scheduler: { store }, schedules });
    const run = await first.server.scheduler.runNow('digest');
    first.server.scheduler.pause('digest');
    await first.server.close();

    const second = await startRelay({ scheduler: { store }, schedules });
    expect(second.server.scheduler.get('digest')).toMatchObject({
      origin: 'config',
      paused: true,
      nextRuns: [],
      lastRun: run,
      runs: 1,
    });
    await second.server.close();

    const withoutIt = await startRelay({ scheduler: { store } });
    expect(withoutIt.server.scheduler.list()).toEqual([]);
  });

  it('leaves no store file behind for a relay that never had a job', async () => {
    const store = await tempStore();
    const { server } = await startRelay({ scheduler: { store } });
    expect(server.scheduler.storePath).toBeUndefined();
    server.scheduler.add({ id: 'first', cron: '0 0 1 1 *', content: 'hi' });
    expect(server.scheduler.storePath).toBe(store);
  });
});
