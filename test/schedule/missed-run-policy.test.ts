// The missed-run policy at its limit, with the clock given: a slot at most `missedRunGraceMs` old runs once
// at start, an older one does not. A grace read in the wrong unit (seconds for milliseconds) fails here.
import { describe, expect, it } from 'vitest';
import type { JobRun } from '../../src/index.js';
import { JobExecutor } from '../../src/schedule/job-executor.js';
import { createScheduledJob, destroyTask, type ScheduledJob } from '../../src/schedule/scheduled-job.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { startRelay } from '../support/start-relay.js';

// One slot a year: 2030-01-15 09:30:00 UTC.
const SLOT = new Date(Date.UTC(2030, 0, 15, 9, 30, 0));
const CRON = '0 30 9 15 1 *';
const GRACE_MS = 30_000;

async function policy(missedRunGraceMs: number) {
  const { server } = await startRelay({ greeting: 'none' });
  const { logger } = captureLogs();
  const runs: JobRun[] = [];
  const executor = new JobExecutor({
    relay: server.relay,
    log: logger,
    missedRunGraceMs,
    store: () => undefined,
    claim: () => undefined,
    notify: (event, ...args) => {
      if (event === 'run') runs.push(args[0] as JobRun);
    },
  });
  const job = (id: string): ScheduledJob =>
    track(
      createScheduledJob(
        { id, cron: CRON, timezone: 'UTC', content: `missed ${id}` },
        { origin: 'api', logger, onSlot: () => undefined },
      ),
      (made) => destroyTask(made, logger),
    );
  // The catch-up a relay starting at `now` would run for a job handled up to `handledUntil`.
  const catchUp = async (id: string, now: number, handledUntil = SLOT.getTime() - 60_000) => {
    const made = job(id);
    executor.catchUp(made, handledUntil, new Date(now));
    await made.running;
    return runs.filter((run) => run.jobId === id);
  };
  return { catchUp };
}

describe('missed-run policy', () => {
  it(`runs a slot exactly missedRunGraceMs old, once, as a catch-up (grace ${GRACE_MS} ms)`, async () => {
    const { catchUp } = await policy(GRACE_MS);
    expect(await catchUp('at-limit', SLOT.getTime() + GRACE_MS)).toMatchObject([
      { reason: 'catch-up', scheduledFor: SLOT.toISOString(), outcome: 'ok' },
    ]);
    expect(await catchUp('well-within', SLOT.getTime() + 1000)).toHaveLength(1);
  });

  it('skips a slot one millisecond older than missedRunGraceMs', async () => {
    const { catchUp } = await policy(GRACE_MS);
    expect(await catchUp('past-limit', SLOT.getTime() + GRACE_MS + 1)).toEqual([]);
    // A grace read as seconds would still take a slot an hour old.
    expect(await catchUp('an-hour-old', SLOT.getTime() + 3_600_000)).toEqual([]);
  });

  it('never runs a slot that was handled before the relay stopped', async () => {
    const { catchUp } = await policy(GRACE_MS);
    expect(await catchUp('handled', SLOT.getTime() + 1000, SLOT.getTime())).toEqual([]);
  });

  it('skips every missed slot with a grace of 0', async () => {
    const { catchUp } = await policy(0);
    expect(await catchUp('no-grace', SLOT.getTime() + 1)).toEqual([]);
  });
});
