// `relay schedule`: offline next times, and list/add/run/pause/resume/rm against a running relay, in-process
// through runCli and end to end as real processes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import socketIOClient from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { MessageMeta } from '../../src/index.js';
import { ADMIN, listener, PUBLISHER } from '../http/api-relay.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { spawnRelayCli } from '../support/spawn-relay-cli.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

type Heard = [content: unknown, meta: MessageMeta];

async function relay(args: string[], env: Record<string, string> = {}) {
  const ctx = createCliContext({ env });
  await runCli(args, ctx);
  return ctx;
}

async function tempDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-schedule-cli-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

describe('relay schedule next', () => {
  it('prints the next fire times in UTC and in the zone, offline', async () => {
    const ctx = await relay(['schedule', 'next', '0 9 * * *', '--tz', 'Asia/Tokyo', '--count', '4']);
    expect(ctx.err()).toBe('');
    expect(ctx.exitCode).toBe(0);
    const lines = ctx.out().trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const times = lines.map((line) => Date.parse(line.split(' ')[0] ?? ''));
    for (const [index, line] of lines.entries()) {
      // 09:00 in Tokyo (UTC+9, no daylight-saving time) is 00:00 UTC.
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT00:00:00\.000Z {2}\w{3}, \d\d \w{3} \d{4}, 09:00:00 Asia\/Tokyo$/,
      );
      if (index > 0) expect((times[index] ?? 0) - (times[index - 1] ?? 0)).toBe(86_400_000);
    }
  });

  it('exits 2 naming the problem for a bad expression, zone or count', async () => {
    const badCron = await relay(['schedule', 'next', '*/0 * * * * *']);
    expect(badCron.exitCode).toBe(2);
    expect(badCron.err()).toContain('RELAY_ERR_INVALID_SCHEDULE: cron "*/0 * * * * *": seconds field');
    const badZone = await relay(['schedule', 'next', '0 9 * * *', '--tz', 'Moon/Base']);
    expect(badZone.exitCode).toBe(2);
    expect(badZone.err()).toContain('unknown time zone "Moon/Base"');
    const badCount = await relay(['schedule', 'next', '0 9 * * *', '--count', '0']);
    expect(badCount.exitCode).toBe(2);
    expect(badCount.out()).toBe('');
  });
});

describe('relay schedule list | add | run | pause | resume | rm', () => {
  it('manages the jobs of a running relay through its API', async () => {
    const { url } = await startRelay({
      greeting: 'none',
      api: { tokens: [PUBLISHER, ADMIN] },
      scheduler: { store: path.join(await tempDir(), 'schedules.db') },
    });
    const env = { RELAY_URL: url, RELAY_CLIENT_TOKEN: 'ops-s3cr3t' };
    expect((await relay(['schedule', 'list'], env)).out()).toBe('no jobs\n');

    const added = await relay(
      [
        'schedule',
        'add',
        'standup',
        '0 55 9 * * 1-5',
        '{"text":"Stand-up in 5 minutes"}',
        '--json',
        '--tz',
        'Europe/Paris',
        '--room',
        'team',
      ],
      env,
    );
    expect(added.err()).toBe('');
    expect(added.out()).toMatch(
      /^added standup {2}"0 55 9 \* \* 1-5" Europe\/Paris {2}api {2}next \S+Z {2}never ran\n$/,
    );

    const team = await listener(url, 'team');
    const heard = waitForEvent<Heard>(team, 'sendMessageFromBack');
    const ran = await relay(['schedule', 'run', 'standup'], env);
    const [content, meta] = await heard;
    expect(content).toEqual({ text: 'Stand-up in 5 minutes' });
    expect(meta.from).toEqual({
      id: 'standup',
      userId: 'schedule:standup',
      name: 'standup',
      kind: 'schedule',
    });
    expect(ran.out()).toBe(`${meta.id}\n`);

    const [header = '', row = '', ...rest] = (await relay(['schedule', 'list'], env)).out().split('\n');
    expect(rest).toEqual(['']);
    expect(header.split(/ {2,}/)).toEqual([
      'ID',
      'CRON',
      'ZONE',
      'ROOM',
      'NEXT RUN',
      'LAST RUN',
      'ORIGIN',
      'CONTENT',
    ]);
    expect(row.split(/ {2,}/)).toEqual([
      'standup',
      '0 55 9 * * 1-5',
      'Europe/Paris',
      'team',
      expect.stringMatching(/^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 09:55:00$/),
      expect.stringMatching(/^\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ok$/),
      'api',
      '{"text":"Stand-up in 5 minutes"}',
    ]);
    // Aligned: each value starts under its column's title.
    for (const [title, value] of [
      ['ZONE', 'Europe/Paris'],
      ['ROOM', 'team'],
      ['ORIGIN', 'api'],
      ['CONTENT', '{"text"'],
    ]) {
      expect(row.indexOf(value as string)).toBe(header.indexOf(title as string));
    }
    const json = JSON.parse((await relay(['schedule', 'list', '--json'], env)).out()) as {
      schedules: unknown[];
    };
    expect(json.schedules).toMatchObject([
      { id: 'standup', runs: 1, lastRun: { reason: 'manual', messageId: meta.id } },
    ]);

    expect((await relay(['schedule', 'pause', 'standup'], env)).out()).toContain('  paused  ');
    expect((await relay(['schedule', 'resume', 'standup'], env)).out()).toContain('  next ');
    expect((await relay(['schedule', 'rm', 'standup'], env)).out()).toBe('removed standup\n');
    expect((await relay(['schedule', 'list'], env)).out()).toBe('no jobs\n');

    const missing = await relay(['schedule', 'rm', 'standup'], env);
    expect(missing.exitCode).toBe(1);
    expect(missing.err()).toContain('Schedule not found (RELAY_ERR_SCHEDULE_NOT_FOUND)');
  });

  it('exits 1 with the problem for a refused call, 2 without a token', async () => {
    const { url } = await startRelay({
      api: { tokens: [PUBLISHER, ADMIN] },
      scheduler: { store: ':memory:' },
    });
    const asPublisher = await relay(['schedule', 'list', '--url', url, '--token', 'ci-s3cr3t']);
    expect(asPublisher.exitCode).toBe(1);
    expect(asPublisher.err()).toContain('Forbidden (RELAY_ERR_FORBIDDEN)');
    const badJob = await relay([
      'schedule',
      'add',
      'x',
      '0 0 32 * *',
      'hi',
      '--url',
      url,
      '--token',
      'ops-s3cr3t',
    ]);
    expect(badJob.exitCode).toBe(1);
    expect(badJob.err()).toContain(
      'Invalid schedule (RELAY_ERR_INVALID_SCHEDULE): job "x": cron "0 0 32 * *" is invalid: day-of-month field',
    );
    const noToken = await relay(['schedule', 'list', '--url', url]);
    expect(noToken.exitCode).toBe(2);
    expect(noToken.err()).toContain('needs an admin API token');
  });
});

describe('relay serve with schedules, end to end', () => {
  it('fires a job of the config file to a socket client; relay schedule list sees it', async () => {
    const cwd = await tempDir();
    await writeFile(
      path.join(cwd, 'relay.config.yaml'),
      [
        'greeting: none',
        'drainDelayMs: 0',
        'api: { tokens: ["ops:ops-s3cr3t:admin"] }',
        'schedules:',
        '  - { id: tick, cron: "*/2 * * * * *", content: "tick from the config file" }',
        '',
      ].join('\n'),
    );
    const server = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd });
    const { url } = (await server.waitForLog((line) => line.msg === 'relay listening')) as { url: string };
    const socket = track(socketIOClient(url, { reconnection: false }), (s) => s.disconnect());
    const [content, meta] = await waitForEvent<Heard>(socket, 'sendMessageFromBack', { timeoutMs: 5000 });
    expect(content).toBe('tick from the config file');
    expect(meta.from.kind).toBe('schedule');

    const list = spawnRelayCli(['schedule', 'list', '--url', url, '--token', 'ops-s3cr3t'], { cwd });
    expect(await list.exited).toBe(0);
    // The relay runs here but is no dev relay (its tokens are configured): its zone is not known.
    expect(list.stdout[1]).toMatch(
      /^tick {2}\*\/2 \* \* \* \* \* {2}UTC\* {2}\(all\) {2}\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}.+ {2}config {2}tick from the config file$/,
    );
    expect(list.stdout[2]).toBe(
      "* no zone of its own: it runs in the relay's zone, which the API does not say; times in UTC",
    );
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Two real processes start here (TypeScript loaded through tsx): slow on a busy two-core machine.
  }, 40_000);
});
