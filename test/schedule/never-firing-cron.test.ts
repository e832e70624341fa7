// A cron expression node-cron parses but that never matches a time (`0 0 31 * 1#1`: the 31st that is the
// first Monday) is refused wherever a job comes from; one already in the store never stops the relay.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cronBotScheduler } from '../../src/bots/bot-scheduler.js';
import { ManualBotScheduler } from '../../src/bots/manual-bot-scheduler.js';
import { parseRelayConfig } from '../../src/config/parse-relay-config.js';
import { ConfigError } from '../../src/index.js';
import { checkCron } from '../../src/schedule/cron-times.js';
import { ADMIN, adminCall, problemOf } from '../http/api-relay.js';
import { WARN } from '../support/capture-logs.js';
import { startRelay } from '../support/start-relay.js';
import { tempStore } from './temp-store.js';

const NEVER = ['0 0 31 * 1#1', '0 0 1 * 1L'];

async function startAdminRelay(store: string) {
  const started = await startRelay({ greeting: 'none', api: { tokens: [ADMIN] }, scheduler: { store } });
  const call = adminCall(started.url);
  return { ...started, call };
}

describe('a cron expression that never fires', () => {
  it.each(NEVER)('checkCron refuses %s, saying it never matches', (cron) => {
    expect(checkCron(cron)).toMatch(/never matches/);
    // Rare is not never: 29 February on a Monday comes every 28 years or so.
    expect(checkCron('0 0 29 2 1')).toBeUndefined();
  });

  it('checkCron reads the expression in the time zone: 02:30 on the spring-forward Sunday never exists in Paris', () => {
    expect(checkCron('0 30 2 * 3 0L', { timezone: 'Europe/Paris' })).toMatch(/never matches/);
    expect(checkCron('0 30 2 * 3 0L', { timezone: 'UTC' })).toBeUndefined();
  });

  it.each(NEVER)(
    'POST /v1/schedules answers 400 for %s, stores nothing, and the relay keeps answering',
    async (cron) => {
      const store = await tempStore();
      const { call, server } = await startAdminRelay(store);
      const refused = await call('POST', '/v1/schedules', { id: 'never', cron, content: 'hi' });
      expect(refused.status).toBe(400);
      const problem = await problemOf(refused);
      expect(problem).toMatchObject({ code: 'RELAY_ERR_INVALID_SCHEDULE', field: 'cron' });
      expect(problem.detail).toContain(`job "never": cron "${cron}" is invalid: never matches`);

      const listed = await call('GET', '/v1/schedules');
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual({ schedules: [] });
      expect(() => server.scheduler.add({ id: 'never', cron, content: 'hi' })).toThrow(
        expect.objectContaining({ code: 'RELAY_ERR_INVALID_SCHEDULE' }),
      );
      await server.close();
      // Nothing was stored: the next start has no job, and starts.
      const again = await startAdminRelay(store);
      expect(again.server.scheduler.list()).toEqual([]);
    },
  );

  it('is refused in the config file, naming the job and the field', () => {
    let error: unknown;
    try {
      parseRelayConfig({ schedules: [{ id: 'standup', cron: NEVER[0], content: 'x' }] }, 'relay.config.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ key: 'schedules.0.cron' });
    expect((error as Error).message).toContain(`job "standup": cron "${NEVER[0]}" is invalid: never matches`);
  });

  it("is refused for a bot's bot.every, by the relay's scheduler and by the bot schedulers of their own", async () => {
    const { server } = await startRelay();
    expect(() => server.scheduler.every('x:y', NEVER[1] as string, () => undefined)).toThrow(/never matches/);
    expect(() => server.scheduler.schedule('x:y', NEVER[1] as string, async () => undefined)).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_INVALID_SCHEDULE' }),
    );
    expect(() => new ManualBotScheduler().schedule('x:y', NEVER[0] as string, async () => undefined)).toThrow(
      /never matches/,
    );
    expect(() => cronBotScheduler.schedule('x:y', NEVER[0] as string, async () => undefined)).toThrow(
      /never matches/,
    );
    expect(server.scheduler.list()).toEqual([]);
  });
});

describe('a stored job that cannot be scheduled', () => {
  it('never stops the relay from starting: logged once, listed as broken, deletable', async () => {
    const store = await tempStore();
    const first = await startAdminRelay(store);
    first.server.scheduler.add({ id: 'weekly', cron: '0 9 * * 1', content: 'Week starts' });
    await first.server.close();
    // Rows an older RelayKit (or a person with sqlite3) could have left: a cron that never fires, one
    // node-cron refuses, content that is not JSON.
    const db = new Database(store);
    const insert = db.prepare(
      'INSERT INTO jobs (id, cron, timezone, content, room, created_at) VALUES (?, ?, NULL, ?, NULL, ?)',
    );
    insert.run('never', NEVER[0], '"never sent"', '2026-01-01T00:00:00.000Z');
    insert.run('garbled', '61 * * * *', '"x"', '2026-01-01T00:00:01.000Z');
    insert.run('unreadable', '0 9 * * *', '{not json', '2026-01-01T00:00:02.000Z');
    db.close();

    const { call, logs, url } = await startAdminRelay(store);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const warned = logs.filter((line) => line.level === WARN && line.part === 'scheduler');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ msg: expect.stringContaining('cannot be scheduled'), count: 3 });
    expect(warned[0]?.jobs).toEqual(['never', 'garbled', 'unreadable']);

    const listed = await call('GET', '/v1/schedules?next=2');
    expect(listed.status).toBe(200);
    const { schedules } = (await listed.json()) as { schedules: Array<Record<string, unknown>> };
    expect(schedules.map((job) => [job.id, job.broken === null])).toEqual([
      ['never', false],
      ['garbled', false],
      ['unreadable', false],
      ['weekly', true],
    ]);
    expect(schedules[0]).toMatchObject({ origin: 'api', cron: NEVER[0], nextRuns: [], paused: false });
    expect(schedules[0]?.broken).toContain('never matches');
    expect(schedules[1]?.broken).toContain('minutes field');
    expect(schedules[2]?.broken).toContain('content');
    expect(schedules[3]?.nextRuns).toHaveLength(2);
    expect((await call('GET', '/v1/schedules/never')).status).toBe(200);
    // Resuming or pausing it changes nothing it could fail on; running it is refused, naming why.
    expect((await call('POST', '/v1/schedules/never/resume')).status).toBe(200);
    const run = await call('POST', '/v1/schedules/never/run');
    expect(run.status).toBe(409);
    expect(await problemOf(run)).toMatchObject({ code: 'RELAY_ERR_SCHEDULE_BROKEN' });

    for (const id of ['never', 'garbled', 'unreadable']) {
      expect((await call('DELETE', `/v1/schedules/${id}`)).status).toBe(204);
    }
    const after = (await (await call('GET', '/v1/schedules')).json()) as { schedules: Array<{ id: string }> };
    expect(after.schedules.map((job) => job.id)).toEqual(['weekly']);
  });

  // A job stored under a higher maxContentBytes was listed as healthy and failed every slot, an error
  // line each time.
  it('lists a stored job whose content is over the current maxContentBytes as broken', async () => {
    const store = await tempStore();
    const first = await startRelay({ greeting: 'none', scheduler: { store } });
    first.server.scheduler.add({ id: 'long', cron: '0 9 * * 1', content: 'x'.repeat(3000) });
    first.server.scheduler.add({ id: 'short', cron: '0 9 * * 1', content: 'x'.repeat(100) });
    await first.server.close();

    const second = await startRelay({ greeting: 'none', maxContentBytes: 100, scheduler: { store } });
    expect(second.server.scheduler.get('long').broken).toMatch(/over the 100-byte limit|100 bytes/);
    expect(second.server.scheduler.get('short').broken).toBeNull(); // at the limit: fine
  });
});
