// The /v1/schedules routes over real HTTP (fetch), with real socket.io clients hearing the jobs.
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { ADMIN, listener, PUBLISHER, problemOf } from '../http/api-relay.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';
import { tempStore } from './temp-store.js';

type Heard = [content: unknown, meta: MessageMeta];

async function startScheduleRelay(options: { store?: string; schedules?: unknown[] } = {}) {
  const started = await startRelay({
    greeting: 'none',
    api: { tokens: [PUBLISHER, ADMIN] },
    scheduler: { store: options.store ?? (await tempStore()) },
    ...(options.schedules ? { schedules: options.schedules as never } : {}),
  });
  const call = (method: string, path: string, body?: unknown, token: string | null = 'ops-s3cr3t') =>
    fetch(`${started.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { ...started, call };
}

describe('HTTP API: /v1/schedules', () => {
  it('adds a job that a socket client hears, lists it with next runs and last run, deletes it', async () => {
    const { url, call } = await startScheduleRelay();
    const client = await listener(url, 'ops');
    const created = await call('POST', '/v1/schedules', {
      id: 'heartbeat',
      cron: '* * * * * *',
      timezone: 'Europe/Paris',
      content: { text: 'still here' },
      room: 'ops',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/schedules/heartbeat');
    expect(await created.json()).toMatchObject({
      id: 'heartbeat',
      origin: 'api',
      paused: false,
      room: 'ops',
    });

    const [content, meta] = await waitForEvent<Heard>(client, 'sendMessageFromBack', { timeoutMs: 4000 });
    expect(content).toEqual({ text: 'still here' });
    expect(meta.from).toEqual({
      id: 'heartbeat',
      userId: 'schedule:heartbeat',
      name: 'heartbeat',
      kind: 'schedule',
    });

    const listed = await call('GET', '/v1/schedules?next=5');
    expect(listed.status).toBe(200);
    const { schedules } = (await listed.json()) as { schedules: Array<Record<string, unknown>> };
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.nextRuns).toHaveLength(5);
    expect(schedules[0]?.lastRun).toMatchObject({ jobId: 'heartbeat', outcome: 'ok', reason: 'scheduled' });

    expect((await call('DELETE', '/v1/schedules/heartbeat')).status).toBe(204);
    const deletedAt = new Date().toISOString();
    // Past the next slot of an every-second job.
    const after = await collectEvents<Heard>(client, 'sendMessageFromBack', 1300);
    expect(after.filter(([, m]) => m.at > deletedAt)).toEqual([]);
    const gone = await call('GET', '/v1/schedules/heartbeat');
    expect(gone.status).toBe(404);
    expect(await problemOf(gone)).toMatchObject({ code: 'RELAY_ERR_SCHEDULE_NOT_FOUND', status: 404 });
  });

  it('runs a job now, pauses and resumes it, and counts runs in /metrics', async () => {
    const { url, call } = await startScheduleRelay({
      schedules: [
        {
          id: 'freeze',
          cron: '0 17 * * 5',
          timezone: 'America/New_York',
          content: 'Deploy freeze starts now',
        },
      ],
    });
    const client = await listener(url);
    const heard = waitForEvent<Heard>(client, 'sendMessageFromBack');
    const ran = await call('POST', '/v1/schedules/freeze/run');
    expect(ran.status).toBe(200);
    const run = (await ran.json()) as Record<string, unknown>;
    const [content, meta] = await heard;
    expect(content).toBe('Deploy freeze starts now');
    expect(run).toMatchObject({
      jobId: 'freeze',
      reason: 'manual',
      outcome: 'ok',
      messageId: meta.id,
      scheduledFor: null,
    });

    const paused = await call('POST', '/v1/schedules/freeze/pause');
    expect(await paused.json()).toMatchObject({ paused: true, nextRuns: [] });
    const resumed = (await (await call('POST', '/v1/schedules/freeze/resume')).json()) as {
      nextRuns: string[];
    };
    expect(resumed.nextRuns).toHaveLength(3);
    // 17:00 in New York is 21:00 or 22:00 UTC depending on daylight-saving time.
    expect(resumed.nextRuns.every((time) => /T2[12]:00:00\.000Z$/.test(time))).toBe(true);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('relay_schedule_runs_total{job="freeze",reason="manual",outcome="ok"} 1');
    expect(metrics).toContain('relay_schedule_jobs{origin="config",state="active"} 1');
    expect(metrics).toMatch(/relay_messages_published_total\{source="schedule"\} 1/);
  });

  // Each job added, run and removed over the API left its series in /metrics for ever.
  it('drops a removed job from the metrics', async () => {
    const { call, url } = await startScheduleRelay({});
    for (const n of [1, 2, 3]) {
      const id = `reminder-${n}`;
      expect((await call('POST', '/v1/schedules', { id, cron: '0 0 12 * * *', content: 'x' })).status).toBe(
        201,
      );
      expect((await call('POST', `/v1/schedules/${id}/run`)).status).toBe(200);
    }
    let metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('relay_schedule_runs_total{job="reminder-2",reason="manual",outcome="ok"} 1');
    for (const n of [1, 2]) expect((await call('DELETE', `/v1/schedules/reminder-${n}`)).status).toBe(204);
    metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).not.toMatch(/job="reminder-[12]"/);
    expect(metrics).toContain('relay_schedule_runs_total{job="reminder-3",reason="manual",outcome="ok"} 1');
  });

  it('answers problems: 401 without token, 403 without admin, 400 naming the field, 409, 404', async () => {
    const { call, server } = await startScheduleRelay({
      schedules: [{ id: 'standup', cron: '0 55 9 * * 1-5', content: 'Stand-up in 5 minutes' }],
    });
    const job = { id: 'lunch', cron: '0 0 12 * * *', content: 'Lunch' };

    const anonymous = await call('GET', '/v1/schedules', undefined, null);
    expect(anonymous.status).toBe(401);
    const publisher = await call('POST', '/v1/schedules', job, 'ci-s3cr3t');
    expect(publisher.status).toBe(403);
    expect(await problemOf(publisher)).toMatchObject({ code: 'RELAY_ERR_FORBIDDEN' });

    const badCron = await call('POST', '/v1/schedules', { ...job, cron: '0 0 25 * * *' });
    expect(badCron.status).toBe(400);
    const problem = await problemOf(badCron);
    expect(problem).toMatchObject({
      code: 'RELAY_ERR_INVALID_SCHEDULE',
      field: 'cron',
      title: 'Invalid schedule',
    });
    expect(problem.detail).toContain('job "lunch": cron "0 0 25 * * *" is invalid: hours field');
    // The detail names its field once: it read "cron: job …" and "id: body: id must be …".
    expect(problem.detail).toMatch(/^job "lunch": cron /);
    const badId = await problemOf(await call('POST', '/v1/schedules', { ...job, id: 'a b' }));
    expect(badId).toMatchObject({ field: 'id', code: 'RELAY_ERR_INVALID_SCHEDULE' });
    expect(badId.detail).toMatch(/^body: id must be /);
    // What was sent is shown shortened, however long: the answer stays small.
    for (const [cron, why] of [
      [`0 0 ${'1,'.repeat(50_000)}1 * *`, 'is longer than 1024 characters'],
      [`0 0 ${'32,'.repeat(100)}32 * *`, 'is invalid: day-of-month field'],
    ] as const) {
      const long = await problemOf(await call('POST', '/v1/schedules', { ...job, cron }));
      expect(long).toMatchObject({ field: 'cron', code: 'RELAY_ERR_INVALID_SCHEDULE' });
      expect(String(long.detail)).toContain(why);
      expect(String(long.detail).length).toBeLessThan(400);
    }
    const badZone = await problemOf(await call('POST', '/v1/schedules', { ...job, timezone: 'Paris' }));
    expect(badZone).toMatchObject({ field: 'timezone', code: 'RELAY_ERR_INVALID_SCHEDULE' });
    const badBody = await problemOf(await call('POST', '/v1/schedules', ['not', 'an', 'object']));
    expect(badBody).toMatchObject({ field: 'body', code: 'RELAY_ERR_INVALID_SCHEDULE' });
    for (const next of ['many', '', '0x10', '1.0', '-1', '1e1']) {
      const badNext = await call('GET', `/v1/schedules?next=${next}`);
      expect(await problemOf(badNext), `next=${next}`).toMatchObject({ status: 400, field: 'next' });
    }
    expect((await call('GET', '/v1/schedules?next=0')).status).toBe(200);

    expect((await call('POST', '/v1/schedules', job)).status).toBe(201);
    const again = await call('POST', '/v1/schedules', job);
    expect(again.status).toBe(409);
    expect(await problemOf(again)).toMatchObject({ code: 'RELAY_ERR_SCHEDULE_EXISTS' });
    const declared = await call('DELETE', '/v1/schedules/standup');
    expect(declared.status).toBe(409);
    expect(await problemOf(declared)).toMatchObject({ code: 'RELAY_ERR_SCHEDULE_READ_ONLY' });
    expect((await call('POST', '/v1/schedules/nope/run')).status).toBe(404);

    // A bot's job (id `bot:name`, from code) can be run but not deleted over HTTP.
    let botRuns = 0;
    server.scheduler.every(
      'digest-bot:daily',
      '0 8 * * *',
      () => {
        botRuns += 1;
      },
      { owner: 'digest-bot' },
    );
    const botRun = await call('POST', '/v1/schedules/digest-bot%3Adaily/run');
    expect(await botRun.json()).toMatchObject({ jobId: 'digest-bot:daily', outcome: 'ok' });
    expect(botRuns).toBe(1);
    const botDelete = await call('DELETE', '/v1/schedules/digest-bot:daily');
    expect(await problemOf(botDelete)).toMatchObject({ status: 409, code: 'RELAY_ERR_SCHEDULE_READ_ONLY' });
  });

  // The key was ignored here: a retried run-now announced twice, and a retried add answered 409.
  it('honours Idempotency-Key on add and run-now: a retry gets the first answer and runs nothing', async () => {
    const { url } = await startScheduleRelay();
    const client = await listener(url, 'ops');
    const send = (path: string, key: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer ops-s3cr3t',
          'idempotency-key': key,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const job = { id: 'yearly', cron: '0 0 1 1 *', content: 'Bonne année', room: 'ops' };
    const added = await send('/v1/schedules', 'add-1', job);
    const again = await send('/v1/schedules', 'add-1', job);
    expect([added.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(added.headers.get('location'));
    expect(await again.json()).toEqual(await added.json());
    const other = await send('/v1/schedules', 'add-1', { ...job, content: 'something else' });
    expect(other.status).toBe(422);
    expect(await problemOf(other)).toMatchObject({ code: 'RELAY_ERR_IDEMPOTENCY_KEY_REUSED' });

    const heard = collectEvents<Heard>(client, 'sendMessageFromBack', 500);
    const first = await send('/v1/schedules/yearly/run', 'run-1');
    const retry = await send('/v1/schedules/yearly/run', 'run-1');
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const run = (await first.json()) as { messageId: string };
    expect(await retry.json()).toEqual(run);
    expect((await heard).map(([, meta]) => meta.id)).toEqual([run.messageId]);
  });

  // A failed run was remembered like a success: a retry after a passing refusal never ran the job.
  it('does not replay a failed run: a retry with the same key runs the job again', async () => {
    const { url, server } = await startScheduleRelay();
    let calls = 0;
    server.scheduler.every('flaky', '0 0 1 1 *', ({ publish }) => {
      calls += 1;
      if (calls === 1) throw new Error('not yet');
      publish('now it works');
    });
    const run = () =>
      fetch(`${url}/v1/schedules/flaky/run`, {
        method: 'POST',
        headers: { authorization: 'Bearer ops-s3cr3t', 'idempotency-key': 'run-flaky' },
      });
    const first = await run();
    expect(await first.json()).toMatchObject({ outcome: 'failed' });
    const second = await run();
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(await second.json()).toMatchObject({ outcome: 'ok' });
    const third = await run();
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(calls).toBe(2);
  });

  it('keeps a job added over HTTP across a restart', async () => {
    const store = await tempStore();
    const first = await startScheduleRelay({ store });
    expect(
      (await first.call('POST', '/v1/schedules', { id: 'weekly', cron: '0 9 * * 1', content: 'Week starts' }))
        .status,
    ).toBe(201);
    await first.server.close();
    const second = await startScheduleRelay({ store });
    const { schedules } = (await (await second.call('GET', '/v1/schedules')).json()) as {
      schedules: unknown[];
    };
    expect(schedules).toMatchObject([
      { id: 'weekly', origin: 'api', cron: '0 9 * * 1', content: 'Week starts' },
    ]);
  });
});
