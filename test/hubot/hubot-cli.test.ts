// Hubot's own command line (`hubot -f adapter.mjs`) running RelayKit's adapter, as a real process, with
// the relay found from RELAY_URL and RELAY_BOT_TOKEN and scripts from external-scripts.json.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Robot } from 'hubot';
import { describe, expect, it } from 'vitest';
import { useFromHubotCli } from '../../src/hubot/index.js';
import type { MessageContent, MessageMeta } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { freePort } from '../support/free-port.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { ask } from './ask-hubot.js';

const TOKEN = 'test-bot-token-0123456789';
const HUBOT_BIN = path.join(
  path.dirname(createRequire(import.meta.url).resolve('hubot/package.json')),
  'bin',
  'Hubot.mjs',
);
const ADAPTER = path.resolve(import.meta.dirname, 'relaykit-adapter.mjs');

/** `hubot -f relaykit-adapter.mjs -n hubot -d` in `cwd`, against the relay at `url`; killed after the test. */
function spawnHubot(cwd: string, url: string) {
  const child = spawn(
    process.execPath,
    [
      '--conditions=relaykit-source',
      '--import',
      import.meta.resolve('tsx'),
      HUBOT_BIN,
      '-f',
      ADAPTER,
      '-n',
      'hubot',
      '-d',
    ],
    {
      cwd,
      env: { ...process.env, RELAY_URL: url, RELAY_BOT_TOKEN: TOKEN, HUBOT_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return track(child, (c) => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
}

describe("Hubot's command line with the relaykit adapter", () => {
  it('connects as a bot, loads external-scripts.json after connecting, and answers hubot ping', async () => {
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const cwd = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-cli-'));
    track(cwd, (dir) => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(cwd, 'external-scripts.json'), '["hubot-diagnostics"]\n');
    const child = spawnHubot(cwd, url);
    const output: string[] = [];
    child.stdout.on('data', (chunk) => output.push(String(chunk)));
    child.stderr.on('data', (chunk) => output.push(String(chunk)));

    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    // The process compiles the adapter, connects, then loads its scripts: ask until it answers.
    const deadline = Date.now() + 20_000;
    let answer: [MessageContent, MessageMeta] | undefined;
    while (!answer && Date.now() < deadline && child.exitCode === null) {
      const reply = waitForEvent<[MessageContent, MessageMeta]>(alice, 'sendMessageFromBack', {
        timeoutMs: 500,
        filter: (_content, meta) => meta.from.kind === 'bot',
      });
      alice.emit('sendMessage', 'hubot ping');
      answer = await reply.catch(() => undefined);
    }
    expect(answer, output.join('')).toBeDefined();
    expect(answer?.[0]).toBe('PONG');
    expect(answer?.[1].from).toMatchObject({ name: 'hubot', kind: 'bot' });
  }, 30_000);

  it('saves the brain on SIGTERM before it exits, as a container stop sends it', async () => {
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const cwd = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-cli-'));
    track(cwd, (dir) => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(cwd, 'scripts'));
    await copyFile(
      path.join(import.meta.dirname, 'fixtures', 'scripts', 'remember.js'),
      path.join(cwd, 'scripts', 'remember.js'),
    );
    const child = spawnHubot(cwd, url);
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])),
    );
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    await expect
      .poll(async () => (await ask(alice, 'hubot remember milk', 500).catch(() => undefined))?.answer, {
        timeout: 20_000,
      })
      .toBe('remembered milk');
    // Well within the brain's 5 s autosave: only a save on the way out keeps it.
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    const brain = await readFile(path.join(cwd, '.relaykit', 'bot-store', 'hubot-hubot.json'), 'utf8');
    expect(brain).toContain('milk');
  }, 30_000);

  it('exits 1, brain saved, once a restarted relay refuses its token, for a supervisor to restart it', async () => {
    const port = await freePort();
    const first = await startRelay({ botToken: TOKEN, greeting: 'none', port });
    const cwd = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-cli-'));
    track(cwd, (dir) => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(cwd, 'external-scripts.json'), '["hubot-diagnostics"]\n');
    const child = spawnHubot(cwd, first.url);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const alice = await connectClient(first.url, { auth: { name: 'alice', room: 'general' } });
    await expect
      .poll(async () => (await ask(alice, 'hubot ping', 500).catch(() => undefined))?.answer, {
        timeout: 20_000,
      })
      .toBe('PONG');
    await first.server.close();
    await startRelay({ botToken: 'another-bot-token-0123456789', greeting: 'none', port });
    expect(await exited).toBe(1);
  }, 40_000);
});

describe('useFromHubotCli (what `hubot -a relaykit/hubot` calls)', () => {
  it('finds the relay and token in the environment, the brain in botStoreDir of the working directory', async () => {
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const cwd = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-use-'));
    track(cwd, (dir) => rm(dir, { recursive: true, force: true }));
    const env = { RELAY_URL: url, RELAY_BOT_TOKEN: TOKEN, RELAY_BOT_STORE_DIR: 'brains' };
    const robot = new Robot({ use: (r: Robot) => useFromHubotCli(r, { env, cwd }) }, false, 'hubot');
    robot.logger = captureLogs().logger;
    track(robot, (r) => r.shutdown());
    await robot.loadAdapter();
    expect(robot.adapterName).toBe('relaykit');
    await robot.run();
    await robot.loadExternalScripts(['hubot-diagnostics']);
    robot.brain.set('kept', true);
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    await expect
      .poll(async () => (await ask(alice, 'hubot ping', 500).catch(() => undefined))?.answer)
      .toBe('PONG');
    robot.shutdown();
    const file = path.join(cwd, 'brains', 'bot-store', 'hubot-hubot.json');
    await expect
      .poll(async () => (await readFile(file, 'utf8').catch(() => '')).includes('"kept": true'))
      .toBe(true);
  });

  it('refuses without a bot token, saying where to set it', async () => {
    const robot = new Robot(
      { use: (r: Robot) => useFromHubotCli(r, { env: {}, cwd: tmpdir() }) },
      false,
      'hubot',
    );
    robot.logger = captureLogs().logger;
    await expect(robot.loadAdapter()).rejects.toMatchObject({
      code: 'RELAY_ERR_BOT_AUTH_FAILED',
      message: expect.stringContaining('set RELAY_BOT_TOKEN'),
    });
  });
});
