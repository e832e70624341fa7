// Scheduled jobs over a real relay and real socket.io clients: firing, rooms, run-now, pause, delete,
// no overlap, failures.
import { describe, expect, it } from 'vitest';
import { createRelayServer, type JobRun, type MessageMeta } from '../../src/index.js';
import type { SkippedRun } from '../../src/schedule/schedule-types.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { IN_MEMORY_STORES, startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';
import { tempStore } from './temp-store.js';

type Heard = [content: unknown, meta: MessageMeta];

describe('scheduler', () => {
  it('fires a declared seconds-level job to a real socket client, as kind schedule named after the job', async () => {
    const { server, url } = await startRelay({
      greeting: 'none',
      scheduler: { store: await tempStore() },
      schedules: [{ id: 'tick', cron: '* * * * * *', content: 'Deploy freeze starts now' }],
    });
    const client = await connectClient(url);
    const [content, meta] = await waitForEvent<Heard>(client, 'sendMessageFromBack', { timeoutMs: 4000 });
    expect(content).toBe('Deploy freeze starts now');
    expect(meta.from).toEqual({ id: 'tick', userId: 'schedule:tick', name: 'tick', kind: 'schedule' });
    expect(meta.room).toBeNull();

    const [view] = server.scheduler.list();
    expect(view).toMatchObject({
      id: 'tick',
      origin: 'config',
      paused: false,
      content: 'Deploy freeze starts now',
    });
    expect(view?.nextRuns).toHaveLength(3);
    const [first, second] = (view?.nextRuns ?? []).map((iso) => Date.parse(iso));
    expect((second ?? 0) - (first ?? 0)).toBe(1000);
    expect(view?.lastRun?.outcome).toBe('ok');
    expect(view?.lastRun?.reason).toBe('scheduled');
    expect(view?.runs).toBeGreaterThanOrEqual(1);
  });

  it('announces to its room only, with object content delivered as given', async () => {
    const { url } = await startRelay({
      greeting: 'none',
      scheduler: { store: await tempStore() },
      schedules: [
        { id: 'standup', cron: '* * * * * *', content: { text: 'Stand-up in 5', n: 5 }, room: 'ops' },
      ],
    });
    const inRoom = await connectClient(url, { auth: { room: 'ops' } });
    const inLobby = await connectClient(url);
    // Past the next slot of an every-second job.
    const lobbyHears = collectEvents<Heard>(inLobby, 'sendMessageFromBack', 1300);
    const [content, meta] = await waitForEvent<Heard>(inRoom, 'sendMessageFromBack', { timeoutMs: 4000 });
    expect(content).toEqual({ text: 'Stand-up in 5', n: 5 });
    expect(meta.room).toBe('ops');
    expect(await lobbyHears).toEqual([]);
  });

  it('adds a runtime job, runs it now, and stops it when deleted', async () => {
    const { server, url } = await startRelay({ greeting: 'none', scheduler: { store: await tempStore() } });
    const client = await connectClient(url);
    const yearly = server.scheduler.add({
      id: 'new-year',
      cron: '0 0 1 1 *',
      timezone: 'Europe/Paris',
      content: 'Bonne année',
    });
    expect(yearly).toMatchObject({ origin: 'api', timezone: 'Europe/Paris', lastRun: null, runs: 0 });

    const heard = waitForEvent<Heard>(client, 'sendMessageFromBack');
    const run = await server.scheduler.runNow('new-year');
    const [content, meta] = await heard;
    expect(content).toBe('Bonne année');
    expect(run).toMatchObject({
      jobId: 'new-year',
      reason: 'manual',
      scheduledFor: null,
      outcome: 'ok',
      messageId: meta.id,
    });
    expect(server.scheduler.get('new-year').lastRun).toEqual(run);

    server.scheduler.add({ id: 'every-second', cron: '* * * * * *', content: 'tick' });
    // A code job (as a bot's bot.every) is removed by the function every() returned.
    const removeCodeJob = server.scheduler.every('code-tick', '* * * * * *', ({ publish }) => {
      publish('code tick');
    });
    await Promise.all(
      ['tick', 'code tick'].map((text) =>
        waitForEvent<Heard>(client, 'sendMessageFromBack', { filter: (c) => c === text, timeoutMs: 4000 }),
      ),
    );
    server.scheduler.remove('every-second');
    removeCodeJob();
    const removedAt = new Date().toISOString();
    // Past the next slot of an every-second job.
    const after = await collectEvents<Heard>(client, 'sendMessageFromBack', 1300);
    expect(after.filter(([, m]) => m.at > removedAt)).toEqual([]);
    expect(server.scheduler.list().map((job) => job.id)).toEqual(['new-year']);
    expect(() => server.scheduler.get('every-second')).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_SCHEDULE_NOT_FOUND' }),
    );
  });

  // Pause, resume and remove did not check for closing: during close() they changed the store (and told
  // the cluster), after it they failed with the store's "connection is not open" and its file path; and
  // a run that outlived the close logged a store failure for every record it could not write.
  it('refuses changes once closing, and a run that outlives the close records nothing', async () => {
    const { server, logs } = await startRelay({ greeting: 'none', scheduler: { store: await tempStore() } });
    server.scheduler.add({ id: 'yearly', cron: '0 0 1 1 *', content: 'Bonne année' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.scheduler.every('slow', '0 0 1 1 *', async ({ publish }) => {
      await gate;
      publish('late');
    });
    const running = server.scheduler.runNow('slow');
    const closing = server.scheduler.close();
    for (const change of [
      () => server.scheduler.pause('yearly'),
      () => server.scheduler.resume('yearly'),
      () => server.scheduler.remove('yearly'),
    ]) {
      expect(change).toThrow(expect.objectContaining({ code: 'RELAY_ERR_SHUTTING_DOWN' }));
    }
    await closing; // after its 5 s wait: the run still goes on
    release();
    await running;
    expect(() => server.scheduler.pause('yearly')).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_SHUTTING_DOWN' }),
    );
    expect(logs.filter((line) => line.msg === 'schedule store write failed')).toEqual([]);
  }, 15_000);

  it('keeps the next runs it listed until the job fires, then lists the ones after', async () => {
    const { server } = await startRelay({ scheduler: { store: await tempStore() } });
    server.scheduler.add({ id: 'yearly', cron: '0 0 1 1 *', content: 'yearly' });
    const years = server.scheduler.get('yearly', { nextRunCount: 3 }).nextRuns;
    expect(server.scheduler.get('yearly', { nextRunCount: 2 }).nextRuns).toEqual(years.slice(0, 2));
    expect(server.scheduler.get('yearly', { nextRunCount: 4 }).nextRuns.slice(0, 3)).toEqual(years);
    server.scheduler.add({ id: 'pulse', cron: '* * * * * *', content: 'pulse' });
    server.scheduler.get('pulse', { nextRunCount: 3 });
    const [run] = await waitForEvent<[JobRun]>(server.scheduler, 'run', { timeoutMs: 4000 });
    const after = server.scheduler.get('pulse', { nextRunCount: 3 }).nextRuns;
    expect(after.every((time) => time > (run.scheduledFor ?? ''))).toBe(true);
    const seconds = after.map((time) => Date.parse(time) / 1000);
    expect(seconds).toEqual([seconds[0], (seconds[0] ?? 0) + 1, (seconds[0] ?? 0) + 2]);
  });

  it('pauses and resumes a job; a paused job shows no next runs', async () => {
    const { server, url } = await startRelay({ greeting: 'none', scheduler: { store: await tempStore() } });
    const client = await connectClient(url);
    server.scheduler.add({ id: 'pulse', cron: '* * * * * *', content: 'pulse' });
    await waitForEvent(client, 'sendMessageFromBack', { timeoutMs: 4000 });

    expect(server.scheduler.pause('pulse')).toMatchObject({ paused: true, nextRuns: [] });
    const pausedAt = new Date().toISOString();
    // Past the next slot of an every-second job.
    const whilePaused = await collectEvents<Heard>(client, 'sendMessageFromBack', 1300);
    expect(whilePaused.filter(([, m]) => m.at > pausedAt)).toEqual([]);

    expect(server.scheduler.resume('pulse').paused).toBe(false);
    await waitForEvent(client, 'sendMessageFromBack', { timeoutMs: 4000 });
  });

  it('never overlaps runs of one job: a slot that comes while the last run goes on is skipped', async () => {
    const { server } = await startRelay({ scheduler: { store: await tempStore() } });
    let started = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.scheduler.every('slow', '* * * * * *', async () => {
      started += 1;
      await released;
    });
    const skipped: SkippedRun[] = [];
    server.scheduler.on('skipped', (skip) => skipped.push(skip));
    await waitForEvent(server.scheduler, 'skipped', { timeoutMs: 4000 });
    await waitForEvent(server.scheduler, 'skipped', { timeoutMs: 4000 });
    expect(started).toBe(1);
    expect(server.scheduler.get('slow').running).toBe(true);
    expect(skipped.every((skip) => skip.jobId === 'slow' && skip.reason === 'overlap')).toBe(true);
    await expect(server.scheduler.runNow('slow')).rejects.toMatchObject({ code: 'RELAY_ERR_SCHEDULE_BUSY' });

    const finished = waitForEvent<[JobRun]>(server.scheduler, 'run', { timeoutMs: 4000 });
    release();
    expect((await finished)[0]).toMatchObject({ jobId: 'slow', outcome: 'ok' });
    await waitForEvent<[JobRun]>(server.scheduler, 'run', { timeoutMs: 4000 });
    expect(started).toBeGreaterThanOrEqual(2);
  });

  it('records and logs a failed run, counts it, and keeps the job scheduled', async () => {
    const { server, logs } = await startRelay({ scheduler: { store: await tempStore() } });
    server.scheduler.every(
      'flaky',
      '* * * * * *',
      () => {
        throw new Error('the weather API is down');
      },
      { owner: 'weather-bot' },
    );
    const [first] = await waitForEvent<[JobRun]>(server.scheduler, 'run', { timeoutMs: 4000 });
    expect(first).toMatchObject({
      jobId: 'flaky',
      outcome: 'failed',
      error: { code: 'RELAY_ERR_SCHEDULE_RUN_FAILED' },
    });
    expect(first.error?.message).toContain('the weather API is down');
    await waitForEvent<[JobRun]>(server.scheduler, 'run', { timeoutMs: 4000 });
    const view = server.scheduler.get('flaky');
    expect(view).toMatchObject({
      origin: 'code',
      owner: 'weather-bot',
      content: null,
      lastRun: { outcome: 'failed' },
    });
    expect(view.failures).toBeGreaterThanOrEqual(2);
    expect(view.failures).toBe(view.runs);
    expect(
      logs.some((line) => line.msg === 'job run failed' && line.job === 'flaky' && line.level === 50),
    ).toBe(true);
    expect(() => server.scheduler.remove('flaky')).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_SCHEDULE_READ_ONLY' }),
    );
  });

  it('keeps a job added before the relay listens, once, and runs it once listening', async () => {
    const server = track(
      createRelayServer({
        ...IN_MEMORY_STORES,
        port: 0,
        host: '127.0.0.1',
        greeting: 'none',
        logger: captureLogs().logger,
        scheduler: { store: await tempStore() },
      }),
      (s) => s.close(),
    );
    server.scheduler.add({ id: 'early', cron: '* * * * * *', content: 'early bird' });
    const { url } = await server.listen();
    expect(server.scheduler.list().map((job) => job.id)).toEqual(['early']);
    const client = await connectClient(url);
    const [content] = await waitForEvent<Heard>(client, 'sendMessageFromBack', { timeoutMs: 4000 });
    expect(content).toBe('early bird');
  });

  it('records a publish the relay refused as a failed run', async () => {
    const { server } = await startRelay({ scheduler: { store: await tempStore() } });
    server.scheduler.add({ id: 'late', cron: '0 0 1 1 *', content: 'too late' });
    server.relay.stopAccepting();
    const run = await server.scheduler.runNow('late');
    expect(run).toMatchObject({ outcome: 'failed', error: { code: 'RELAY_ERR_SHUTTING_DOWN' } });
    expect(server.scheduler.get('late')).toMatchObject({ runs: 1, failures: 1 });
  });

  it('refuses a runtime job with a bad field or a taken id, naming the job and the field', async () => {
    const { server } = await startRelay({
      scheduler: { store: ':memory:' },
      schedules: [{ id: 'standup', cron: '0 55 9 * * 1-5', content: 'Stand-up in 5 minutes' }],
    });
    expect(() => server.scheduler.add({ id: 'x', cron: '0 61 * * *', content: 'hi' })).toThrow(
      expect.objectContaining({
        code: 'RELAY_ERR_INVALID_SCHEDULE',
        message: expect.stringContaining('job "x": cron "0 61 * * *" is invalid: hours field'),
      }),
    );
    expect(() =>
      server.scheduler.add({ id: 'x', cron: '* * * * *', timezone: 'Europe/Pariss', content: 'hi' }),
    ).toThrow(/job "x": unknown time zone "Europe\/Pariss"/);
    expect(() => server.scheduler.add({ id: 'x', cron: '* * * * *', content: 'é'.repeat(4000) })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('over the 4096-byte limit') }),
    );
    expect(() => server.scheduler.add({ id: 'standup', cron: '* * * * *', content: 'hi' })).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_SCHEDULE_EXISTS' }),
    );
    expect(() => server.scheduler.remove('standup')).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_SCHEDULE_READ_ONLY' }),
    );
  });
});
