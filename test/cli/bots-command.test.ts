// `relay serve` runs ./plugins by default; `relay bots` runs plugins against a relay elsewhere.
// Real processes through bin/relay.js, so TS plugins load with no build step and import 'relaykit'.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Running } from '../../src/cli/cli-context.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { BotHost, MessageMeta } from '../../src/index.js';
import { endedAfterTokenChange } from '../support/after-token-change.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { SHIPPED_PLUGINS, workdirWithShippedPlugins } from '../support/shipped-plugins.js';
import { spawnRelayCli } from '../support/spawn-relay-cli.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const TOKEN = 'cli-test-bot-token-0123456789';

async function askBot(socket: TestClient, text: string): Promise<[string, MessageMeta]> {
  const reply = waitForEvent<[string, MessageMeta]>(socket, 'sendMessageFromBack', {
    timeoutMs: 5000,
    filter: (_content, meta) => meta.from.kind === 'bot',
  });
  socket.emit('sendMessage', text);
  return reply;
}

describe('relay serve with bots', () => {
  it('runs the shipped plugins of ./plugins by default', async () => {
    // A working directory of its own: the repository's plugins/ also holds the user's bots.
    const cwd = await workdirWithShippedPlugins();
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1', '--drain-delay-ms', '0'], {
      cwd,
    });
    const started = await relay.waitForLog((line) => line.msg === 'bots started', 20_000);
    expect((started.bots as string[]).sort()).toEqual([...SHIPPED_PLUGINS]);
    expect(started.failed).toBe(0);
    const { url } = await relay.waitForLog((line) => line.msg === 'relay listening');
    const socket = await connectClient(url as string);
    const [pong, meta] = await askBot(socket, '!ping');
    expect(pong).toMatch(/^pong \(\d+ ms\)$/);
    expect(meta.from).toMatchObject({ name: 'ping', kind: 'bot' });
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });

  it('reports a broken plugin of --plugins by file and reason and starts the others', async () => {
    await mkdir(path.join(REPO, '.relaykit'), { recursive: true });
    const dir = track(await mkdtemp(path.join(REPO, '.relaykit', 'cli-plugins-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    await writeFile(path.join(dir, 'broken.ts'), 'export default defineBot({ name: "x", setup( });\n');
    await writeFile(
      path.join(dir, 'fine.ts'),
      "import { defineBot } from 'relaykit';\nexport default defineBot({ name: 'fine', description: 'x', setup(bot) { bot.command('fine', { description: 'x' }, (m) => m.reply('fine')); } });\n",
    );
    // Its own working directory (the plugin folder): the relay's stores go there, not in the repository's.
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1', '--plugins', dir], {
      cwd: dir,
    });
    const failure = await relay.waitForLog((line) => line.msg === 'plugin failed to load', 20_000);
    expect(failure).toMatchObject({
      code: 'RELAY_ERR_PLUGIN_LOAD_FAILED',
      file: path.join(dir, 'broken.ts'),
    });
    expect(String(failure.err)).toContain('broken.ts');
    const { url } = await relay.waitForLog((line) => line.msg === 'relay listening');
    const socket = await connectClient(url as string);
    expect((await askBot(socket, '!fine'))[0]).toBe('fine');
  });
});

describe('relay bots', () => {
  // An empty RELAY_URL (a script's unset variable) was taken as the URL "": bots tried it for ever,
  // logging "websocket error". Empty variables count as unset everywhere else.
  it('takes an empty RELAY_URL as unset, for relay bots and relay hubot', async () => {
    for (const command of ['bots', 'hubot']) {
      const ctx = createCliContext({ env: { RELAY_URL: '' } });
      await runCli([command, '--help'], ctx);
      expect(ctx.out()).toMatch(/--url\s.*\[default: "http:\/\/localhost:3000"\]/);
    }
  });

  it('runs plugin files against a relay elsewhere, authenticated by the bot token', async () => {
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const bots = spawnRelayCli(
      ['bots', '--url', url, '--token', TOKEN, 'plugins/echo.ts', 'plugins/help.ts'],
      {
        cwd: REPO,
      },
    );
    const started = await bots.waitForLog((line) => line.msg === 'bots started', 20_000);
    expect(started.bots).toEqual(['echo', 'help']);
    const socket = await connectClient(url, { auth: { room: 'general' } });
    const [text, meta] = await askBot(socket, '!echo from afar');
    expect(text).toBe('from afar');
    expect(meta).toMatchObject({ room: 'general', from: { name: 'echo', kind: 'bot' } });
    const [help] = await askBot(socket, '!help');
    expect(help.split('\n')).toEqual([
      'Commands:',
      '!echo <text> — repeat the text',
      '!help [command] — list the commands, or show one',
    ]);
    bots.child.kill('SIGTERM');
    expect(await bots.exited).toBe(0);
  });

  it('exits with code 1 and RELAY_ERR_BOT_AUTH_FAILED when the token is wrong', async () => {
    const { url } = await startRelay({ botToken: TOKEN });
    const bots = spawnRelayCli(['bots', '--url', url, 'plugins/echo.ts'], {
      cwd: REPO,
      env: { RELAY_BOT_TOKEN: 'a-wrong-token-0123456789' },
    });
    expect(await bots.exited).toBe(1);
    expect(bots.stderr.join('\n')).toContain('RELAY_ERR_BOT_AUTH_FAILED');
  });
});

// The same command in this process, so coverage sees it; its bots' `bot.every` jobs run on node-cron
// (cronBotScheduler), the default of a bot host outside a relay.
describe('relay bots, in-process', () => {
  const quiet = { RELAY_LOG_LEVEL: 'silent' };

  it("runs the plugins folder's bots against a relay, bot.every jobs on node-cron included", async () => {
    await mkdir(path.join(REPO, '.relaykit'), { recursive: true });
    const dir = track(await mkdtemp(path.join(REPO, '.relaykit', 'cli-bots-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    await writeFile(
      path.join(dir, 'ticker.ts'),
      "import { defineBot } from 'relaykit';\nexport default defineBot({ name: 'ticker', description: 'x', setup(bot) { bot.every('* * * * * *', () => bot.send('tick', { room: 'general' }), { name: 'tick' }); bot.command('where', { description: 'x' }, (m) => m.reply('here')); } });\n",
    );
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const socket = await connectClient(url, { auth: { room: 'general' } });
    const ctx = createCliContext({ cwd: REPO, env: { ...quiet, RELAY_BOT_TOKEN: TOKEN } });
    await runCli(['bots', '--url', url, '--plugins', dir, '--watch'], ctx);
    expect(ctx.err()).toBe('');
    expect(ctx.exitCode).toBe(0);
    const { host } = ctx.running as Running & { host: BotHost };
    track(host, (h) => h.close());
    expect(host.bots().map((bot) => bot.name)).toEqual(['ticker']);
    const here = waitForEvent<[string]>(socket, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (content) => content === 'here',
    });
    socket.emit('sendMessage', '!where');
    await here;
    // No relay scheduler here: the job fires on node-cron within a second or so.
    const [tick, meta] = await waitForEvent<[string, MessageMeta]>(socket, 'sendMessageFromBack', {
      timeoutMs: 3000,
      filter: (content) => content === 'tick',
    });
    expect([tick, meta.from.name, meta.room]).toEqual(['tick', 'ticker', 'general']);
    await host.close();
  });

  // --watch was ignored when files were named: only the plugins folder was ever watched.
  it('reloads a plugin file named on the command line when it changes, and only the files named', async () => {
    await mkdir(path.join(REPO, '.relaykit'), { recursive: true });
    const dir = track(await mkdtemp(path.join(REPO, '.relaykit', 'cli-bots-watch-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    const plugin = (name: string, answer: string) =>
      `import { defineBot } from 'relaykit';\nexport default defineBot({ name: '${name}', description: 'x', setup(bot) { bot.command('${name}', { description: 'x' }, (m) => m.reply('${answer}')); } });\n`;
    await writeFile(path.join(dir, 'ver.ts'), plugin('ver', 'v1'));
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const socket = await connectClient(url);
    const ctx = createCliContext({ cwd: REPO, env: { ...quiet, RELAY_BOT_TOKEN: TOKEN } });
    await runCli(['bots', '--url', url, '--watch', path.join(dir, 'ver.ts')], ctx);
    expect(ctx.exitCode).toBe(0);
    const { host } = ctx.running as Running & { host: BotHost };
    track(host, (h) => h.close());
    const answer = async (command: string) => {
      const heard = waitForEvent<[string, MessageMeta]>(socket, 'sendMessageFromBack', {
        timeoutMs: 3000,
        filter: (_content: unknown, meta: MessageMeta) => meta.from.kind === 'bot',
      });
      socket.emit('sendMessage', command);
      return (await heard)[0];
    };
    expect(await answer('!ver')).toBe('v1');
    // Another plugin appearing in the same folder is not one of the files named: not started.
    await writeFile(path.join(dir, 'other.ts'), plugin('other', 'other'));
    await writeFile(path.join(dir, 'ver.ts'), plugin('ver', 'v2'));
    await expect.poll(() => answer('!ver'), { timeout: 10_000, interval: 300 }).toBe('v2');
    expect(host.bots().map((bot) => bot.name)).toEqual(['ver']);
  });

  // It stopped its bots and ended with exit code 0 (nothing left on the event loop): a supervisor
  // restarting on failure left it down.
  it('ends with exit code 1 once a restarted relay refuses its token', async () => {
    // socket.io-client's reconnection back-off (up to 5 s) comes first.
    const ended = await endedAfterTokenChange(TOKEN, 20_000, async (url) => {
      const ctx = createCliContext({ cwd: REPO, env: { ...quiet, RELAY_BOT_TOKEN: TOKEN } });
      await runCli(['bots', '--url', url, 'plugins/echo.ts', 'plugins/ping.ts'], ctx);
      return ctx.running;
    });
    expect(ended).toBe(1);
  }, 30_000);

  it('refuses to start without a token, without plugins, or with a wrong token', async () => {
    const { url } = await startRelay({ botToken: TOKEN });
    const noToken = createCliContext({ cwd: REPO, env: quiet });
    await runCli(['bots', '--url', url, 'plugins/echo.ts'], noToken);
    expect(noToken.exitCode).toBe(1);
    expect(noToken.err()).toContain('RELAY_ERR_BOT_AUTH_FAILED: no bot token: pass --token');

    const noPlugins = createCliContext({ cwd: REPO, env: quiet });
    await runCli(['bots', '--url', url, '--token', TOKEN, '--plugins', 'no-such-folder'], noPlugins);
    expect(noPlugins.exitCode).toBe(1);
    expect(noPlugins.err()).toContain('RELAY_ERR_PLUGIN_LOAD_FAILED: no plugin files given and no folder');

    const wrongToken = createCliContext({ cwd: REPO, env: quiet });
    await runCli(
      ['bots', '--url', url, '--token', 'a-wrong-token-0123456789', 'plugins/echo.ts'],
      wrongToken,
    );
    expect(wrongToken.exitCode).toBe(1);
    expect(wrongToken.err()).toContain('RELAY_ERR_BOT_AUTH_FAILED');
    expect(wrongToken.running).toBeUndefined();
  });
});
