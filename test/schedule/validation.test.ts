// Declared jobs are checked at start-up: a bad job stops the start with an error naming the job and field.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import { parseRelayConfig } from '../../src/config/parse-relay-config.js';
import { ConfigError, createRelayServer } from '../../src/index.js';
import { checkCron } from '../../src/schedule/cron-times.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { IN_MEMORY_STORES } from '../support/start-relay.js';

const job = {
  id: 'standup',
  cron: '0 55 9 * * 1-5',
  timezone: 'Europe/Paris',
  content: 'Stand-up in 5 minutes',
};

function configError(schedules: unknown[]): ConfigError {
  try {
    parseRelayConfig({ schedules }, 'relay.config.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('schedule validation', () => {
  it('accepts 5- and 6-field expressions, a time zone, string or object content and a room', () => {
    const config = parseRelayConfig({
      schedules: [job, { id: 'ops.freeze', cron: '0 17 * * 5', content: { text: 'freeze' }, room: 'ops' }],
    });
    expect(config.schedules).toEqual([
      job,
      { id: 'ops.freeze', cron: '0 17 * * 5', content: { text: 'freeze' }, room: 'ops' },
    ]);
    expect(parseRelayConfig({}).schedules).toEqual([]);
    expect(parseRelayConfig({}).scheduler).toEqual({
      store: '.relaykit/schedules.db',
      missedRunGraceMs: 300_000,
      maxJobs: 500,
    });
  });

  it.each([
    [
      { ...job, cron: '0 61 9 * * *' },
      'schedules.0.cron',
      'job "standup": cron "0 61 9 * * *" is invalid: minutes field',
    ],
    [{ ...job, cron: '* * *' }, 'schedules.0.cron', 'expected 5 or 6 fields but got 3'],
    [{ ...job, cron: '0 0 31 2 *' }, 'schedules.0.cron', 'day-of-month field'],
    [
      { ...job, timezone: 'Europe/Pariss' },
      'schedules.0.timezone',
      'job "standup": unknown time zone "Europe/Pariss"',
    ],
    [{ ...job, content: 42 }, 'schedules.0.content', 'job "standup": content is a number'],
    [{ ...job, content: '' }, 'schedules.0.content', 'job "standup": content is an empty string'],
    [
      { ...job, room: 'no spaces please' },
      'schedules.0.room',
      'job "standup": room "no spaces please" is not valid',
    ],
    [{ ...job, id: 'has space' }, 'schedules.0.id', 'id must be 1 to 64 letters'],
    [{ ...job, every: 'day' }, 'schedules.0', 'job "standup": unknown field "every"'],
  ])('refuses %j at %s', (bad, key, message) => {
    const error = configError([bad]);
    expect(error.code).toBe('RELAY_ERR_CONFIG_INVALID');
    expect(error.key).toBe(key);
    expect(error.message).toContain(message);
  });

  it('refuses a duplicate id, naming both places', () => {
    const error = configError([job, { ...job, cron: '0 0 9 * * *' }]);
    expect(error.key).toBe('schedules.1.id');
    expect(error.message).toContain('job "standup": duplicate id (schedules.0 has it too)');
  });

  it('takes a job id of 64 characters and refuses 65', () => {
    const id = `${'a'.repeat(60)}-_.:`;
    expect(parseRelayConfig({ schedules: [{ ...job, id }] }).schedules[0]?.id).toBe(id);
    const error = configError([{ ...job, id: `${id}a` }]);
    expect(error.key).toBe('schedules.0.id');
    expect(error.message).toContain('id must be 1 to 64 letters');
  });

  it('takes a missed-run grace of at most an hour', () => {
    const grace = (missedRunGraceMs: number) =>
      parseRelayConfig({ scheduler: { missedRunGraceMs } }).scheduler.missedRunGraceMs;
    expect(grace(3_600_000)).toBe(3_600_000);
    expect(() => grace(3_600_001)).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_CONFIG_INVALID', key: 'scheduler.missedRunGraceMs' }),
    );
  });

  it('takes declared content of exactly maxContentBytes, and refuses one byte more when the relay is created', () => {
    const fits = track(
      createRelayServer({
        ...IN_MEMORY_STORES,
        maxContentBytes: 16,
        schedules: [{ ...job, content: 'x'.repeat(16) }],
        logLevel: 'silent',
      }),
      (server) => server.close(),
    );
    expect(fits.scheduler.get('standup').content).toBe('x'.repeat(16));
    expect(() =>
      createRelayServer({
        ...IN_MEMORY_STORES,
        maxContentBytes: 16,
        schedules: [{ ...job, content: 'x'.repeat(17) }],
        logLevel: 'silent',
      }),
    ).toThrow(
      expect.objectContaining({
        key: 'schedules.0.content',
        message: expect.stringContaining('over the 16-byte limit'),
      }),
    );
  });

  it('names the config file, the job and the field; relay serve stops with exit code 2', async () => {
    const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-schedule-')), (dir) =>
      rm(dir, { recursive: true }),
    );
    await writeFile(
      path.join(cwd, 'relay.config.yaml'),
      'schedules:\n  - id: standup\n    cron: "0 55 9 * * 1-5"\n    timezone: Mars/Olympus\n    content: Stand-up\n',
    );
    await expect(loadConfig({ cwd, env: {} })).rejects.toThrow(
      'relay.config.yaml: setting "schedules.0.timezone" is invalid: job "standup": unknown time zone "Mars/Olympus"',
    );

    const context = createCliContext({ cwd });
    await runCli(['serve', '--port', '0'], context);
    expect(context.exitCode).toBe(2);
    expect(context.running).toBeUndefined();
    expect(context.err()).toContain('RELAY_ERR_CONFIG_INVALID');
    expect(context.err()).toContain('job "standup": unknown time zone "Mars/Olympus"');
  });

  it('checkCron names the bad cron field', () => {
    expect(checkCron('*/10 * * * * *')).toBeUndefined();
    expect(checkCron('0 9 * * 1-5')).toBeUndefined();
    expect(checkCron('0 9 * 13 *')).toMatch(/^month field: /);
    expect(checkCron('0 9 * * 8')).toMatch(/^day-of-week field: /);
    expect(checkCron('60 * * * * *')).toMatch(/^seconds field: /);
    expect(checkCron('')).toMatch(/empty/);
  });
});
