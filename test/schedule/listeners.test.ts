// A scheduler event listener that throws is the user's bug: it is logged, and neither stops the job,
// fails the call that changed the store, nor becomes an unhandled rejection (which ends Node 20).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRelayServer, type JobRun } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { IN_MEMORY_STORES, startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { storeMissedJob, tempStore } from './temp-store.js';

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', record);
});
afterAll(() => {
  process.off('unhandledRejection', record);
});
afterEach(() => {
  unhandled.length = 0;
});

const threw = (lines: Array<Record<string, unknown>>, event: string) =>
  lines.filter(
    (line) =>
      line.msg === 'an event listener threw' &&
      line.event === event &&
      (line.err as { message?: string } | undefined)?.message === `${event} listener bug`,
  );

describe('scheduler event listeners that throw', () => {
  it('still runs a catch-up job, tells the other listeners, and logs the error; no unhandled rejection', async () => {
    const store = await tempStore();
    storeMissedJob(store, 'missed', 2000);

    const { logger, lines } = captureLogs();
    const server = track(
      createRelayServer({
        ...IN_MEMORY_STORES,
        port: 0,
        host: '127.0.0.1',
        logger,
        scheduler: { store, missedRunGraceMs: 60_000 },
      }),
      (s) => s.close(),
    );
    server.scheduler.on('run', () => {
      throw new Error('run listener bug');
    });
    const seen = waitForEvent<[JobRun]>(server.scheduler, 'run', { timeoutMs: 4000 });
    await server.listen();

    const [run] = await seen;
    expect(run).toMatchObject({ jobId: 'missed', reason: 'catch-up', outcome: 'ok' });
    expect(server.scheduler.get('missed')).toMatchObject({ runs: 1, lastRun: { outcome: 'ok' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(threw(lines, 'run')).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it('keeps add, pause, resume, remove and run-now working when a listener throws', async () => {
    const { server, logs } = await startRelay();
    server.scheduler.on('change', () => {
      throw new Error('change listener bug');
    });
    server.scheduler.on('run', () => {
      throw new Error('run listener bug');
    });
    expect(
      server.scheduler.add({ id: 'yearly', cron: '0 0 1 1 *', content: 'happy new year' }),
    ).toMatchObject({
      id: 'yearly',
      paused: false,
    });
    expect(server.scheduler.pause('yearly').paused).toBe(true);
    expect(server.scheduler.resume('yearly').paused).toBe(false);
    expect(await server.scheduler.runNow('yearly')).toMatchObject({ jobId: 'yearly', outcome: 'ok' });
    expect(server.scheduler.get('yearly').runs).toBe(1);
    server.scheduler.remove('yearly');
    expect(server.scheduler.list()).toEqual([]);
    expect(threw(logs, 'change')).toHaveLength(4);
    expect(threw(logs, 'run')).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});
