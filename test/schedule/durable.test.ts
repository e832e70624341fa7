// The schedule store across relay restarts: runtime jobs survive and fire exactly once, the missed-run
// policy, pause and last-run records are kept.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';
import { cronAtSecondIn, storeMissedJob, tempStore } from './temp-store.js';

type Heard = [content: unknown, meta: MessageMeta];

describe('durable schedules', () => {
  it('keeps a runtime job across a restart; after it the job fires exactly once per slot', async () => {
    const store = await tempStore();
    // Soon after the restart; should the restart be slow, the default grace catches the slot up all the same.
    const { cron, at } = cronAtSecondIn(2000);
    const first = await startRelay({ scheduler: { store } });
    first.server.scheduler.add({ id: 'once-a-minute', cron, content: 'after the restart' });
    await first.server.close();

    const second = await startRelay({ greeting: 'none', scheduler: { store } });
    expect(second.server.scheduler.list()).toMatchObject([{ id: 'once-a-minute', cron, origin: 'api' }]);
    const client = await connectClient(second.url);
    const [content, meta] = await waitForEvent<Heard>(client, 'sendMessageFromBack', {
      timeoutMs: Math.max(0, at.getTime() - Date.now()) + 3000,
    });
    expect([content, meta.from.name]).toEqual(['after the restart', 'once-a-minute']);
    // Once: nothing more for that slot (the next is a minute away).
    expect(await collectEvents<Heard>(client, 'sendMessageFromBack', 500)).toEqual([]);
    expect(second.server.scheduler.get('once-a-minute')).toMatchObject({
      runs: 1,
      lastRun: { reason: expect.any(String), outcome: 'ok' },
    });
  });

  it('runs a slot missed while the relay was down once at start when within a nonzero grace, skips an older one, never twice', async () => {
    const store = await tempStore();
    const grace = { store, missedRunGraceMs: 30_000 };
    // On both sides of the grace, with room for a slow start: 20 s and 40 s old.
    const recent = storeMissedJob(store, 'recent', 20_000);
    storeMissedJob(store, 'old', 40_000);

    const second = await startRelay({ scheduler: grace });
    await expect.poll(() => second.server.scheduler.get('recent').runs).toBe(1);
    expect(second.server.scheduler.get('recent')).toMatchObject({
      lastRun: { reason: 'catch-up', scheduledFor: recent.toISOString(), outcome: 'ok' },
    });
    expect(second.server.scheduler.get('old')).toMatchObject({ runs: 0, lastRun: null });
    await second.server.close();

    const third = await startRelay({ scheduler: grace });
    expect(third.server.scheduler.get('recent')).toMatchObject({ runs: 1, lastRun: { reason: 'catch-up' } });
    expect(third.server.scheduler.get('old')).toMatchObject({ runs: 0 });
  });

  it('skips every missed slot with a grace of 0', async () => {
    const store = await tempStore();
    storeMissedJob(store, 'missed', 1000);
    const second = await startRelay({ scheduler: { store, missedRunGraceMs: 0 } });
    await new Promise((resolve) => setTimeout(resolve, 200)); // quiet window: a catch-up would have run
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

  // JSON.parse of a damaged record ended the start with a bare "Expected property name" naming nothing.
  it('starts with a job whose stored last run is damaged, forgetting only that record', async () => {
    const store = await tempStore();
    const schedules = [{ id: 'digest', cron: '0 0 8 * * *', content: 'Daily digest' }];
    const first = await startRelay({ scheduler: { store }, schedules });
    await first.server.scheduler.runNow('digest');
    first.server.scheduler.pause('digest');
    await first.server.close();
    const db = new Database(store);
    db.prepare("UPDATE job_state SET last_run = '{oops' WHERE id = 'digest'").run();
    db.close();

    const second = await startRelay({ scheduler: { store }, schedules });
    expect(second.server.scheduler.get('digest')).toMatchObject({ paused: true, lastRun: null, runs: 1 });
  });

  it('leaves no store file behind for a relay that never had a job', async () => {
    const store = await tempStore();
    const { server } = await startRelay({ scheduler: { store } });
    expect(server.scheduler.storePath).toBeUndefined();
    server.scheduler.add({ id: 'first', cron: '0 0 1 1 *', content: 'hi' });
    expect(server.scheduler.storePath).toBe(store);
  });
});
