import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import socketIOClient from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { MessageMeta, RelayServer } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { connectClient } from '../support/connect-client.js';
import { freePort } from '../support/free-port.js';
import { type CliProcess, spawnRelayCli } from '../support/spawn-relay-cli.js';
import { waitForEvent } from '../support/wait-for-event.js';

const REPO = path.resolve(import.meta.dirname, '../..');

async function emptyDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-cli-')), (dir) => rm(dir, { recursive: true }));
}

// Inside the repository (gitignored .relaykit/), so that a plugin's `import … from 'relaykit'` resolves.
async function projectDir(): Promise<string> {
  await mkdir(path.join(REPO, '.relaykit'), { recursive: true });
  return track(await mkdtemp(path.join(REPO, '.relaykit', 'cli-serve-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

const HELLO_PLUGIN =
  "import { defineBot } from 'relaykit';\nexport default defineBot({ name: 'hello', description: 'x', setup(bot) { bot.command('hello', { description: 'x' }, (m) => m.reply('hello from ./plugins')); } });\n";

// `relay serve` in cluster mode with no Redis at its URL, and no drain delay.
async function serveWithoutRedis(): Promise<CliProcess> {
  const redisUrl = `redis://127.0.0.1:${await freePort()}`;
  return spawnRelayCli(
    ['serve', '--port', '0', '--host', '127.0.0.1', '--redis-url', redisUrl, '--drain-delay-ms', '0'],
    { cwd: await emptyDir() },
  );
}

describe('relay serve', () => {
  it('serves the seed client, then closes gracefully on SIGTERM with exit code 0 (drainDelayMs 0)', async () => {
    const cwd = await emptyDir();
    await writeFile(path.join(cwd, 'relay.config.yaml'), 'greetingText: Bonjour\ndrainDelayMs: 0\n');
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd });
    const listening = await relay.waitForLog((line) => line.msg === 'relay listening');
    const url = listening.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const socket = track(socketIOClient(url, { reconnection: false }), (s) => s.disconnect());
    const [greeting] = await waitForEvent<[string]>(socket, 'sendMessageFromBack', { timeoutMs: 5000 });
    expect(greeting).toBe('Bonjour');
    const echoed = waitForEvent<[string]>(socket, 'sendMessageFromBack', { timeoutMs: 5000 });
    socket.emit('sendMessage', 'Hello John !');
    expect((await echoed)[0]).toBe('Hello John !');

    const disconnected = waitForEvent<[string]>(socket, 'disconnect', { timeoutMs: 5000 });
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    expect((await disconnected)[0]).toBe('transport close');
    await relay.waitForLog((line) => line.msg === 'relay closed');
  });

  it('keeps a SIGTERM that comes while it starts, and closes once started, exit code 0', {
    timeout: 30_000,
  }, async () => {
    // Start-up waits up to 5 s for a Redis that is not there: a signal then comes mid-start.
    const relay = await serveWithoutRedis();
    await relay.waitForLog((line) => line.msg === 'Redis connection lost; reconnecting', 15_000);
    expect(relay.stdout.some((line) => line.includes('"msg":"relay listening"'))).toBe(false);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    expect(relay.stderr).toContain('relay: SIGTERM while starting; stopping once started');
    await relay.waitForLog((line) => line.msg === 'relay closed');
  });

  // What the relay opened before listening (its Redis links, reconnecting) kept the process alive,
  // serving nothing, after it printed RELAY_ERR_PORT_IN_USE.
  it('exits 1 when its port is taken, in cluster mode too', { timeout: 30_000 }, async () => {
    const taken = track(net.createServer(), (s) => s.close());
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    const redisUrl = `redis://127.0.0.1:${await freePort()}`;
    const relay = spawnRelayCli(
      ['serve', '--port', String(port), '--host', '127.0.0.1', '--redis-url', redisUrl],
      { cwd: await emptyDir() },
    );
    const deadline = new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 20_000));
    expect(await Promise.race([relay.exited, deadline])).toBe(1);
    expect(relay.stderr.join('\n')).toContain('RELAY_ERR_PORT_IN_USE');
  });

  it('closes everything on SIGTERM while its Redis is away: the close does not end half-way', {
    timeout: 30_000,
  }, async () => {
    const relay = await serveWithoutRedis();
    await relay.waitForLog((line) => line.msg === 'relay started', 15_000);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    // The Redis links close after the stores' hooks are queued, so "relay closed" comes only if they ran.
    await relay.waitForLog((line) => line.msg === 'relay closed');
  });

  it('drains on SIGTERM: /readyz 503 while /healthz and sockets still answer, then exits 0', {
    timeout: 40_000,
  }, async () => {
    const relay = spawnRelayCli(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--greeting', 'none', '--drain-delay-ms', '8000'],
      { cwd: await emptyDir() },
    );
    const { url } = (await relay.waitForLog((line) => line.msg === 'relay started', 30_000)) as {
      url: string;
    };
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const socket = track(socketIOClient(url, { reconnection: false }), (s) => s.disconnect());
    await waitForEvent(socket, 'connect', { timeoutMs: 5000 });

    relay.child.kill('SIGTERM');
    const draining = await relay.waitForLog((line) => String(line.msg).startsWith('relay draining'));
    expect(draining.delayMs).toBe(8000);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { detail: string }).detail).toMatch(/^not ready: draining/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(socket.connected).toBe(true);
    expect(relay.stdout.some((line) => line.includes('"relay closing"'))).toBe(false);

    const disconnected = waitForEvent<[string]>(socket, 'disconnect', { timeoutMs: 20_000 });
    expect(await relay.exited).toBe(0);
    expect((await disconnected)[0]).toBe('transport close');
    const at = (msg: string) =>
      Number(relay.stdout.find((line) => line.includes(`"msg":"${msg}`))?.match(/"time":(\d+)/)?.[1]);
    // The close came after the delay, not at the signal.
    expect(at('relay closing') - at('relay draining')).toBeGreaterThanOrEqual(7900);
  });

  it('closes at once on SIGINT (Ctrl-C), and on a second signal during a drain', {
    timeout: 40_000,
  }, async () => {
    const args = ['serve', '--port', '0', '--host', '127.0.0.1', '--drain-delay-ms', '600000'];
    const interrupted = spawnRelayCli(args, { cwd: await emptyDir() });
    await interrupted.waitForLog((line) => line.msg === 'relay started', 30_000);
    interrupted.child.kill('SIGINT');
    // Exiting within the test's timeout, far below the 10-minute drain, shows no drain happened.
    expect(await interrupted.exited).toBe(0);
    expect(interrupted.stdout.some((line) => line.includes('relay draining'))).toBe(false);

    const rolled = spawnRelayCli(args, { cwd: await emptyDir() });
    await rolled.waitForLog((line) => line.msg === 'relay started', 30_000);
    rolled.child.kill('SIGTERM');
    await rolled.waitForLog((line) => String(line.msg).startsWith('relay draining'));
    rolled.child.kill('SIGINT');
    expect(await rolled.exited).toBe(0);
    await rolled.waitForLog((line) => line.msg === 'relay closed');
  });

  it('logs JSON lines when stdout is not a terminal, with a "relay started" line for the banner', async () => {
    const cwd = await emptyDir();
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1', '--drain-delay-ms', '0'], {
      cwd,
      env: { RELAY_LOG_FORMAT: 'auto' },
    });
    const started = await relay.waitForLog((line) => line.msg === 'relay started', 30_000);
    const url = started.url as string;
    expect(started).toMatchObject({
      level: 30,
      chatPage: `${url}/`,
      apiToken: 'generated',
      devRelayFile: path.join('.relaykit', 'dev-relay.json'),
    });
    // Every line is JSON: no banner block in this format.
    for (const line of relay.stdout) expect(() => JSON.parse(line)).not.toThrow();
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });

  it('stops before starting, exit code 2, when a setting is invalid, naming the key and source', async () => {
    const relay = spawnRelayCli(['serve', '--port', '0'], {
      cwd: await emptyDir(),
      env: { RELAY_GREETING: 'everybody' },
    });
    expect(await relay.exited).toBe(2);
    expect(relay.stderr.join('\n')).toContain(
      'RELAY_ERR_CONFIG_INVALID: environment variable RELAY_GREETING: setting "greeting" is invalid',
    );
  });

  it('exits 1 instead of hanging when start-up fails after the port is bound', async () => {
    const cwd = await emptyDir();
    // A folder where the schedule database file should be: the store cannot open once jobs exist.
    await mkdir(path.join(cwd, 'store-is-a-folder'));
    await writeFile(
      path.join(cwd, 'relay.config.yaml'),
      'scheduler: { store: store-is-a-folder }\nschedules:\n  - { id: tick, cron: "0 0 * * *", content: tick }\n',
    );
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd });
    expect(await relay.exited).toBe(1);
    expect(relay.stderr.join('\n')).toMatch(/RELAY_ERR_/);
  });

  // Two relay processes, one after the other: well past 15 s on a loaded 2-core machine.
  it('exits 1 with a fix hint when the port is in use', { timeout: 45_000 }, async () => {
    const cwd = await emptyDir();
    const first = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd });
    const { port } = await first.waitForLog((line) => line.msg === 'relay listening');
    const second = spawnRelayCli(['serve', '--port', String(port), '--host', '127.0.0.1'], { cwd });
    expect(await second.exited).toBe(1);
    expect(second.stderr.join('\n')).toContain(`port ${port} is in use; pass --port or set PORT`);
  });
});

// A real process: plugins load through Node's own loaders there (vitest's runner has its own cache).
describe('relay serve --watch, a CommonJS project', () => {
  // A query string does not get past require's cache: a CommonJS plugin kept its first version while
  // the log said 'plugin reloaded'.
  it('reloads a changed CommonJS plugin', { timeout: 30_000 }, async () => {
    const cwd = await emptyDir();
    const plugin = (answer: string) => `module.exports = {
  [Symbol.for('relaykit.botDefinition')]: true,
  name: 'mood',
  description: 'a CommonJS plugin',
  setup(bot) {
    bot.command('mood', { description: 'answer' }, (msg) => msg.reply('${answer}'));
  },
};
`;
    await writeFile(path.join(cwd, 'package.json'), '{ "type": "commonjs" }\n');
    await mkdir(path.join(cwd, 'plugins'));
    const file = path.join(cwd, 'plugins', 'mood.js');
    await writeFile(file, plugin('version one'));
    const relay = spawnRelayCli(
      [
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--greeting',
        'none',
        '--watch',
        '--log-format',
        'json',
      ],
      { cwd, env: { RELAY_DRAIN_DELAY_MS: '0' } },
    );
    const url = (await relay.waitForLog((line) => line.msg === 'relay listening', 20_000)).url as string;
    await relay.waitForLog((line) => line.msg === 'bots started', 20_000);
    const socket = await connectClient(url);
    const ask = async () => {
      const reply = waitForEvent<[string, MessageMeta]>(socket, 'sendMessageFromBack', {
        timeoutMs: 5000,
        filter: (_content, meta) => meta.from.kind === 'bot',
      });
      socket.emit('sendMessage', '!mood');
      return (await reply)[0];
    };
    expect(await ask()).toBe('version one');
    await writeFile(file, plugin('version two'));
    await relay.waitForLog((line) => line.msg === 'plugin reloaded', 10_000);
    expect(await ask()).toBe('version two');
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});

// The same command in this process (what bin/relay.js runs, less the signals), so coverage sees it.
describe('relay serve, in-process', () => {
  it("layers the working directory's config file, RELAY_* variables and flags, runs ./plugins, and resolves paths against the working directory", async () => {
    const cwd = await projectDir();
    await writeFile(
      path.join(cwd, 'relay.config.yaml'),
      'greetingText: Bonjour\nrouting: echo\nscheduler: { store: data/schedules.db }\n',
    );
    await mkdir(path.join(cwd, 'plugins'));
    await writeFile(path.join(cwd, 'plugins', 'hello.ts'), HELLO_PLUGIN);
    const ctx = createCliContext({ cwd, env: { RELAY_ROUTING: 'others', RELAY_LOG_LEVEL: 'silent' } });
    await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--greeting', 'none', '--watch'], ctx);
    expect(ctx.err()).toBe('');
    expect(ctx.exitCode).toBe(0);
    const server = track(ctx.running as RelayServer, (s) => s.close());
    expect(server.config).toMatchObject({ greetingText: 'Bonjour', routing: 'others', greeting: 'none' });
    expect(server.config.scheduler.store).toBe(path.join(cwd, 'data', 'schedules.db'));
    expect(server.config.hooks.store).toBe(path.join(cwd, '.relaykit', 'hooks.db'));
    expect(server.config.botStoreDir).toBe(path.join(cwd, '.relaykit'));
    expect(server.config.plugins).toBe(path.join(cwd, 'plugins'));

    const socket = await connectClient(server.address.url);
    const reply = waitForEvent<[string, MessageMeta]>(socket, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (_content, meta) => meta.from.kind === 'bot',
    });
    socket.emit('sendMessage', '!hello');
    expect((await reply)[0]).toBe('hello from ./plugins');
    await server.close();
  });

  it('reads --config FILE, keeps :memory: as it is, and runs no plugins without a ./plugins folder', async () => {
    const cwd = await emptyDir();
    await writeFile(
      path.join(cwd, 'custom.json'),
      '{ "greetingText": "Salut", "scheduler": { "store": ":memory:" } }',
    );
    const ctx = createCliContext({ cwd, env: { RELAY_LOG_LEVEL: 'silent' } });
    await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--config', 'custom.json'], ctx);
    expect(ctx.exitCode).toBe(0);
    const server = track(ctx.running as RelayServer, (s) => s.close());
    expect(server.config).toMatchObject({ greetingText: 'Salut', plugins: undefined });
    expect(server.config.scheduler.store).toBe(':memory:');
    const socket = socketIOClient(server.address.url, { reconnection: false, forceNew: true });
    track(socket, (s) => s.disconnect());
    expect((await waitForEvent<[string]>(socket, 'sendMessageFromBack'))[0]).toBe('Salut');
  });

  // `serve --port` with no value started on port 3000, as if the flag were not there.
  it('refuses a setting flag given without its value, exit code 2, without starting anything', async () => {
    // --config without a file skipped relay.config.yaml, and --workers without a count ran one process.
    for (const flag of ['--port', '--config', '--workers']) {
      const ctx = createCliContext();
      await runCli(['serve', flag], ctx);
      expect(ctx.exitCode, flag).toBe(2);
      expect(ctx.err()).toContain(flag.slice(2));
      expect(ctx.running).toBeUndefined();
    }
  });

  // yargs's number type turned `--workers abc` into NaN, and the message said "got NaN".
  it('names what --workers was given when it is no whole number from 1 to 64', async () => {
    for (const [value, shown] of [
      ['abc', '"abc"'],
      ['2.5', '2.5'],
      ['65', '65'],
    ]) {
      const ctx = createCliContext();
      await runCli(['serve', '--workers', value as string], ctx);
      expect(ctx.exitCode, value).toBe(2);
      expect(ctx.err()).toContain(`expected an integer from 1 to 64, got ${shown};`);
      expect(ctx.running).toBeUndefined();
    }
  });

  it('reads number and boolean flags as their RELAY_* variables are read, and refuses what they refuse', async () => {
    const cwd = await emptyDir();
    const env = { RELAY_LOG_LEVEL: 'silent' };
    // The settings `relay serve` starts with, given these flags; the relay is closed again.
    const configWith = async (...flags: string[]) => {
      const ctx = createCliContext({ cwd, env });
      await runCli(['serve', '--port', '0', '--host', '127.0.0.1', ...flags], ctx);
      expect(ctx.err(), flags.join(' ')).toBe('');
      const server = track(ctx.running as RelayServer, (s) => s.close());
      await server.close();
      return server.config;
    };
    expect(await configWith('--trust-proxy=yes', '--web-page=off', '--drain-delay-ms=250')).toMatchObject({
      trustProxy: true,
      webPage: false,
      drainDelayMs: 250,
    });
    expect(await configWith('--no-web-page', '--trust-proxy')).toMatchObject({
      trustProxy: true,
      webPage: false,
    });
    // 1 and 0 as RELAY_TRUST_PROXY=1 reads them, and a repeated flag (scripts append them): the last.
    expect(
      await configWith('--web-page=0', '--trust-proxy=1', '--drain-delay-ms', '9', '--drain-delay-ms', '7'),
    ).toMatchObject({ trustProxy: true, webPage: false, drainDelayMs: 7 });
    expect((await configWith('--trust-proxy', '--trust-proxy')).trustProxy).toBe(true);

    // yargs made these false and NaN, and the relay started on them.
    for (const [flag, shown] of [
      ['--web-page=maybe', 'flag --web-page: setting "webPage" is invalid'],
      ['--trust-proxy=2', 'flag --trust-proxy: setting "trustProxy" is invalid'],
      ['--port=abc', '(got "abc")'],
    ] as const) {
      const ctx = createCliContext({ cwd, env });
      await runCli(['serve', '--host', '127.0.0.1', flag], ctx);
      expect(ctx.exitCode, flag).toBe(2);
      expect(ctx.err()).toContain(shown);
      expect(ctx.running).toBeUndefined();
    }
  });

  it('warns once for each RELAY_* variable that is no setting, with the one it likely meant', async () => {
    const cwd = await emptyDir();
    const env = {
      RELAY_LOG_FORMAT: 'pretty',
      RELAY_API_TOKEN: 'ci:s3cr3t:publish', // the client commands' old name, not relay serve's
      RELAY_PROT: '3001',
      RELAY_COLOUR: 'blue',
      RELAY_URL: 'http://127.0.0.1:3000', // the client commands': often in the same shell, no warning
    };
    const ctx = createCliContext({ cwd, env });
    await runCli(['serve', '--port', '0', '--host', '127.0.0.1'], ctx);
    const server = track(ctx.running as RelayServer, (s) => s.close());
    await server.close();
    const warned = ctx
      .out()
      .split('\n')
      .filter((line) => line.includes('is not a relay setting'));
    expect(warned.map((line) => line.replace(/^.*WARN: /, '').replace(/ \{.*$/, ''))).toEqual([
      'RELAY_API_TOKEN is not a relay setting and is ignored; did you mean RELAY_API_TOKENS?',
      'RELAY_COLOUR is not a relay setting and is ignored',
      'RELAY_PROT is not a relay setting and is ignored; did you mean RELAY_PORT?',
    ]);
    expect(ctx.out()).not.toContain('s3cr3t');
  });

  it('refuses an empty --config (FILE unset in a script) rather than read no config file at all', async () => {
    const cwd = await emptyDir();
    await writeFile(path.join(cwd, 'relay.config.yaml'), 'port: 70000\n');
    for (const args of [['--config', ''], ['--config=']]) {
      const ctx = createCliContext({ cwd, env: { RELAY_LOG_LEVEL: 'silent' } });
      await runCli(['serve', '--host', '127.0.0.1', ...args], ctx);
      expect(ctx.exitCode, args.join(' ')).toBe(2);
      expect(ctx.err()).toContain('is an empty name (given to --config)');
      expect(ctx.running).toBeUndefined();
    }
  });

  it('refuses an unknown command with a usage hint, exit code 2, without starting anything', async () => {
    const unknown = createCliContext();
    await runCli(['sreve'], unknown);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.err()).toContain('run "relay --help" for usage');
    expect(unknown.running).toBeUndefined();
  });
});
