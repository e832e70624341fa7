// The dev relay file: `relay serve` with a made-up token records it in .relaykit/dev-relay.json, and
// `relay announce` / `relay schedule` run in the same folder use it without flags, only when that is safe.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { listener, nextMessage } from '../http/api-relay.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';

const FILE = path.join('.relaykit', 'dev-relay.json');

async function tempDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-dev-relay-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

async function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const ctx = createCliContext({ cwd, env });
  await runCli(args, ctx);
  return ctx;
}

/** `relay serve` in-process in `cwd`, closed after the test. */
async function serve(cwd: string, args: string[] = []) {
  const ctx = await cli(['serve', '--port', '0', '--host', '127.0.0.1', '--greeting', 'none', ...args], cwd, {
    RELAY_LOG_LEVEL: 'warn',
  });
  expect(ctx.err()).toBe('');
  const running = ctx.running;
  if (!running) throw new Error('relay serve did not start');
  track(running, (r) => r.close());
  const recorded = JSON.parse(await readFile(path.join(cwd, FILE), 'utf8').catch(() => '{}')) as {
    url?: string;
    pid?: number;
    apiToken?: string;
    timezone?: string;
  };
  return { running, recorded };
}

// A pid that surely runs no process any more: a child that has exited.
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid as number;
}

describe('the dev relay file', () => {
  it('is written 0600 by relay serve; announce and schedule list in that folder need no flags; gone once closed', async () => {
    const cwd = await tempDir();
    const { running, recorded } = await serve(cwd);
    expect(recorded).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      pid: process.pid,
      apiToken: expect.stringMatching(/^[\w-]{32}$/),
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
    expect((await stat(path.join(cwd, FILE))).mode & 0o777).toBe(0o600);

    const client = await listener(recorded.url as string);
    const heard = nextMessage(client);
    const announced = await cli(['announce', 'found it'], cwd);
    expect(announced.err()).toBe('');
    expect(announced.exitCode).toBe(0);
    const { content, meta } = await heard;
    expect(content).toBe('found it');
    expect(announced.out()).toBe(`${meta.id}\n`);
    // The same relay named by URL (localhost or 127.0.0.1) still gets the file's token.
    const port = new URL(recorded.url as string).port;
    const byName = await cli(['schedule', 'list', '--url', `http://localhost:${port}`], cwd);
    expect(byName.err()).toBe('');
    expect(byName.out()).toBe('no jobs\n');

    await running.close();
    await expect(stat(path.join(cwd, FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    const after = await cli(['announce', 'nobody there'], cwd);
    expect(after.exitCode).toBe(2);
    expect(after.err()).toContain('this needs an API token: --token or RELAY_CLIENT_TOKEN');
  });

  it("lets schedule list show jobs without a zone in the dev relay's zone, long content cut, paused jobs", async () => {
    const cwd = await tempDir();
    const { recorded } = await serve(cwd);
    const long = `Stand-up in 5 minutes: bring ${'news '.repeat(12)}`;
    expect((await cli(['schedule', 'add', 'standup', '0 9 * * 1-5', long], cwd)).exitCode).toBe(0);
    expect(
      (await cli(['schedule', 'add', 'lunch', '0 12 * * *', 'Lunch', '--room', 'team'], cwd)).exitCode,
    ).toBe(0);
    expect((await cli(['schedule', 'pause', 'lunch'], cwd)).exitCode).toBe(0);
    const [header = '', ...rows] = (await cli(['schedule', 'list'], cwd)).out().trimEnd().split('\n');
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
    const cells = rows.map((row) => row.split(/ {2,}/));
    const zone = `${recorded.timezone} (relay)`;
    expect(cells).toEqual([
      [
        'standup',
        '0 9 * * 1-5',
        zone,
        '(all)',
        expect.stringMatching(/^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 09:00:00$/),
        'never',
        'api',
        `${long.slice(0, 47)}…`,
      ],
      ['lunch', '0 12 * * *', zone, 'team', 'paused', 'never', 'api', 'Lunch'],
    ]);
  });

  it('is not written when api.tokens are configured', async () => {
    const cwd = await tempDir();
    await serve(cwd, ['--api-tokens', 'ci:ci-s3cr3t:publish']);
    await expect(stat(path.join(cwd, FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives its token to no other URL than its relay', async () => {
    const cwd = await tempDir();
    await serve(cwd);
    const elsewhere = await cli(['announce', 'hi', '--url', 'http://127.0.0.1:1'], cwd);
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.err()).toMatch(
      /needs an API token: .*dev-relay\.json names another relay \(http:\/\/127\.0\.0\.1:\d+\)/,
    );
    const viaEnv = await cli(['announce', 'hi'], cwd, { RELAY_URL: 'http://192.0.2.1:3000' });
    expect(viaEnv.exitCode).toBe(2);
  });

  it('is not used when others can read or write it, when it is a link, or when its relay is gone', async () => {
    const cwd = await tempDir();
    const { recorded } = await serve(cwd);
    const file = path.join(cwd, FILE);

    await chmod(file, 0o644);
    const readable = await cli(['announce', 'hi'], cwd);
    expect(readable.exitCode).toBe(2);
    expect(readable.err()).toContain(`${FILE} is not used: others can read or write it; delete it`);
    await chmod(file, 0o620);
    expect((await cli(['announce', 'hi'], cwd)).err()).toContain('others can read or write it');
    await chmod(file, 0o600);
    expect((await cli(['announce', 'hi'], cwd)).exitCode).toBe(0);

    const elsewhere = await tempDir();
    await mkdir(path.join(elsewhere, '.relaykit'));
    await symlink(file, path.join(elsewhere, FILE));
    const linked = await cli(['announce', 'hi'], elsewhere);
    expect(linked.exitCode).toBe(2);
    expect(linked.err()).toContain('is not used: it is not a regular file');

    const stale = await tempDir();
    await mkdir(path.join(stale, '.relaykit'));
    const pid = await deadPid();
    await writeFile(path.join(stale, FILE), JSON.stringify({ ...recorded, pid }), { mode: 0o600 });
    const gone = await cli(['announce', 'hi'], stale);
    expect(gone.exitCode).toBe(2);
    expect(gone.err()).toContain(`${FILE} names a relay (pid ${pid}) that is no longer running`);

    await writeFile(path.join(stale, FILE), JSON.stringify({ ...recorded, url: 'http://192.0.2.1:3000' }), {
      mode: 0o600,
    });
    expect((await cli(['announce', 'hi'], stale)).err()).toContain(
      'it does not name a relay on this machine',
    );
  });
});
