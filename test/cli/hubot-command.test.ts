// `relay hubot`: the real Hubot robot with scripts, run by the CLI in-process against a real relay.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { ask } from '../hubot/ask-hubot.js';
import { endedAfterTokenChange } from '../support/after-token-change.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';

const TOKEN = 'cli-test-bot-token-0123456789';
const FIXTURES = path.resolve(import.meta.dirname, '../hubot/fixtures');
const quiet = { RELAY_LOG_LEVEL: 'silent' };

async function storeDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-cli-'));
  return track(dir, (d) => rm(d, { recursive: true, force: true }));
}

describe('relay hubot', () => {
  it('runs an installed package and a folder of scripts, by name and alias, with the brain in botStoreDir', async () => {
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const socket = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const env = { ...quiet, RELAY_BOT_TOKEN: TOKEN, RELAY_BOT_STORE_DIR: await storeDir() };
    const ctx = createCliContext({ cwd: FIXTURES, env });
    await runCli(
      ['hubot', '--url', url, '--name', 'robo', '--alias', '!', 'hubot-diagnostics', 'scripts'],
      ctx,
    );
    expect(ctx.err()).toBe('');
    expect(ctx.exitCode).toBe(0);
    const running = ctx.running;
    if (!running) throw new Error('relay hubot left nothing running');
    track(running, (r) => r.close());
    const { answer: pong, meta } = await ask(socket, 'robo ping');
    expect(pong).toBe('PONG');
    expect(meta.from).toMatchObject({ name: 'robo', kind: 'bot' });
    expect((await ask(socket, '!ping')).answer).toBe('PONG');
    expect((await ask(socket, '@robo remember tea')).answer).toBe('remembered tea');
    await running.close();

    const again = createCliContext({ cwd: FIXTURES, env });
    await runCli(['hubot', '--url', url, '--name', 'robo', 'scripts'], again);
    track(again.running, (r) => r?.close());
    expect((await ask(socket, 'robo: recall')).answer).toBe('recalled tea');
  });

  it('ends with exit code 1 once a restarted relay refuses its token, instead of running deaf', async () => {
    const env = { ...quiet, RELAY_BOT_TOKEN: TOKEN, RELAY_BOT_STORE_DIR: await storeDir() };
    const ended = await endedAfterTokenChange(TOKEN, 10_000, async (url) => {
      const ctx = createCliContext({ cwd: FIXTURES, env });
      await runCli(['hubot', '--url', url, '--name', 'robo', 'scripts'], ctx);
      return ctx.running;
    });
    expect(ended).toBe(1);
  }, 20_000);

  it('refuses to start without a token, with a wrong token, without scripts, or when no script loads', async () => {
    const { url } = await startRelay({ botToken: TOKEN });
    // Each with a store folder of its own: a robot that closes saves its brain, which landed in the
    // fixtures folder (.relaykit/bot-store) of the checkout.
    const noToken = createCliContext({
      cwd: FIXTURES,
      env: { ...quiet, RELAY_BOT_STORE_DIR: await storeDir() },
    });
    await runCli(['hubot', '--url', url, 'hubot-diagnostics'], noToken);
    expect(noToken.exitCode).toBe(1);
    expect(noToken.err()).toContain('RELAY_ERR_BOT_AUTH_FAILED: no bot token: pass --token');

    const wrongToken = createCliContext({
      cwd: FIXTURES,
      env: { ...quiet, RELAY_BOT_STORE_DIR: await storeDir() },
    });
    await runCli(
      ['hubot', '--url', url, '--token', 'a-wrong-token-0123456789', 'hubot-diagnostics'],
      wrongToken,
    );
    expect(wrongToken.exitCode).toBe(1);
    expect(wrongToken.err()).toContain('RELAY_ERR_BOT_AUTH_FAILED');
    expect(wrongToken.running).toBeUndefined();

    const noScripts = createCliContext({
      cwd: FIXTURES,
      env: { ...quiet, RELAY_BOT_STORE_DIR: await storeDir() },
    });
    await runCli(['hubot', '--url', url, '--token', TOKEN], noScripts);
    expect(noScripts.exitCode).toBe(2);

    const env = { ...quiet, RELAY_BOT_STORE_DIR: await storeDir() };
    const nothingLoads = createCliContext({ cwd: FIXTURES, env });
    await runCli(
      ['hubot', '--url', url, '--token', TOKEN, 'hubot-not-installed', 'broken-at-load.js'],
      nothingLoads,
    );
    expect(nothingLoads.exitCode).toBe(1);
    expect(nothingLoads.err()).toContain(
      'RELAY_ERR_PLUGIN_LOAD_FAILED: no script could load: hubot-not-installed, broken-at-load.js',
    );
    expect(nothingLoads.running).toBeUndefined();
  });
});
