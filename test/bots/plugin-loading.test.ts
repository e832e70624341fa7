// Plugins from a folder: TS files loaded without a build, failures reported by file while the rest
// start, settings validated, and each bot's scope removed as a whole on stop and reload.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ManualBotScheduler } from '../../src/bots/manual-bot-scheduler.js';
import { BotHost, defineBot } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { startRelay } from '../support/start-relay.js';
import { settle, startTestbed } from './start-testbed.js';

const REPO = path.resolve(import.meta.dirname, '../..');

// Inside the repository (in the gitignored .relaykit/), so that `import … from 'relaykit'` resolves.
async function pluginDir(files: Record<string, string>): Promise<string> {
  await mkdir(path.join(REPO, '.relaykit'), { recursive: true });
  const dir = track(await mkdtemp(path.join(REPO, '.relaykit', 'test-plugins-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const plugin = (name: string, answer: string) => `import { defineBot } from 'relaykit';
export default defineBot({
  name: '${name}',
  description: 'test plugin',
  setup(bot) {
    bot.command('${name}', { description: 'answer' }, (msg) => msg.reply('${answer}'));
  },
});
`;

describe('loading plugins from a folder', () => {
  it('reports a plugin with a syntax error (and other broken ones) by file and reason while the rest start', async () => {
    const dir = await pluginDir({
      'good.ts': plugin('good', 'all good'),
      'broken.ts':
        "import { defineBot } from 'relaykit';\nexport default defineBot({ name: 'broken', setup(bot) { bot.hear(/x/, ( => 1) } });\n",
      'not-a-bot.ts': 'export default { hello: 1 };\n',
      'bad-setup.ts': `import { defineBot } from 'relaykit';
export default defineBot({ name: 'bad-setup', description: 'x', setup() { throw new Error('no database'); } });
`,
      'helper.test.ts': 'this is not loaded at all',
      '_private.ts': 'neither is this',
    });
    const { server, url, logs } = await startRelay({ plugins: dir });
    expect(url).toMatch(/^http:/);
    const failures = logs.filter((line) => line.msg === 'plugin failed to load');
    expect(failures.map((line) => path.basename(String(line.file))).sort()).toEqual([
      'bad-setup.ts',
      'broken.ts',
      'not-a-bot.ts',
    ]);
    for (const line of failures) expect(line.code).toBe('RELAY_ERR_PLUGIN_LOAD_FAILED');
    const reason = (file: string) => String(failures.find((l) => String(l.file).endsWith(file))?.err);
    expect(reason('broken.ts')).toContain('broken.ts');
    expect(reason('broken.ts')).toMatch(/expected|unexpected|syntax/i);
    expect(reason('not-a-bot.ts')).toContain('default export is not a bot');
    expect(reason('bad-setup.ts')).toContain('no database');
    expect(logs.find((line) => line.msg === 'bots started')).toMatchObject({ bots: ['good'], failed: 3 });

    const testbedUser = await import('../support/connect-client.js').then((m) => m.connectClient(url));
    const reply = new Promise<string>((resolve) =>
      testbedUser.on('sendMessageFromBack', (content, meta) => {
        if (meta.from.kind === 'bot') resolve(String(content));
      }),
    );
    testbedUser.emit('sendMessage', '!good');
    expect(await reply).toBe('all good');
    expect(server.closing).toBe(false);
  });

  it("runs a mounted bot's bot.every jobs in the relay's scheduler, listed with the other jobs", async () => {
    const dir = await pluginDir({
      'nightly.ts': `import { defineBot } from 'relaykit';
export default defineBot({ name: 'nightly', description: 'x', setup(bot) { bot.every('0 3 * * *', () => bot.send('good night'), { name: 'report' }); } });
`,
    });
    const { server, logs } = await startRelay({ plugins: dir });
    const job = server.scheduler.list().find((view) => view.id === 'nightly:report');
    expect(job).toMatchObject({ origin: 'code', owner: 'nightly' });
    // Jobs close first, then bots: the bot's job.stop() on the closed scheduler must not fail the close.
    await server.close();
    expect(logs.filter((line) => line.msg === 'close hook failed')).toEqual([]);
    expect(logs.some((line) => line.msg === 'bot stopped' && line.bot === 'nightly')).toBe(true);
  });

  // `bots: { welcom: … }` configured nothing, silently: the welcome bot ran on its defaults.
  it('warns once about bot settings that name no bot that started', async () => {
    const dir = await pluginDir({ 'good.ts': plugin('good', 'yes') });
    const { logs } = await startRelay({ plugins: dir, bots: { goood: { greeting: 'hi' } } });
    const warned = logs.filter((line) => String(line.msg).startsWith('bot settings name no bot'));
    expect(warned).toEqual([expect.objectContaining({ settings: ['bots.goood'], started: ['good'] })]);
  });

  it('refuses a plugins folder that does not exist, naming the setting', async () => {
    await expect(
      startRelay({ plugins: path.join(REPO, '.relaykit', 'no-such-folder') }),
    ).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG_INVALID',
      key: 'plugins',
    });
  });

  it("validates a bot's settings with its configSchema and names the bad key", async () => {
    const dir = await pluginDir({});
    const welcome = path.join(REPO, 'plugins', 'welcome.ts');
    const { logger, lines } = captureLogs();
    const { server, url } = await startRelay({ greeting: 'none' });
    const host = track(
      new BotHost({
        url,
        token: server.botToken,
        logger,
        settings: { botStoreDir: dir, bots: { welcome: { text: '' } } },
      }),
      (h) => h.close(),
    );
    const { started, failed } = await host.startFiles([welcome]);
    expect(started).toEqual([]);
    expect(failed[0]?.error).toMatchObject({ code: 'RELAY_ERR_CONFIG_INVALID', key: 'bots.welcome.text' });
    expect(
      lines.some(
        (line) => line.msg === 'plugin failed to load' && String(line.err).includes('bots.welcome.text'),
      ),
    ).toBe(true);
  });
});

describe("a bot's scope", () => {
  it('stopping one bot removes its commands, jobs and timers and leaves the others running', async () => {
    let timerFired = false;
    const busy = defineBot({
      name: 'busy',
      description: 'registers one of everything',
      setup(bot) {
        bot.command('busy', { description: 'answer' }, (msg) => msg.reply('busy here'));
        bot.every('*/5 * * * *', () => undefined, { name: 'tick' });
        bot.later(300, () => {
          timerFired = true;
        });
      },
    });
    const calm = defineBot({
      name: 'calm',
      description: 'stays',
      setup(bot) {
        bot.command('calm', { description: 'answer' }, (msg) => msg.reply('calm here'));
        bot.command('list', { description: 'list commands' }, (msg) =>
          msg.reply(
            bot
              .commands()
              .map((c) => c.name)
              .join(','),
          ),
        );
      },
    });
    const testbed = await startTestbed({ bots: [busy, calm] });
    expect((await testbed.ask('!list')).text).toBe('busy,calm,list');
    expect(testbed.jobs()).toEqual(['busy:tick']);

    await testbed.host.stop('busy');
    expect(testbed.jobs()).toEqual([]);
    expect((await testbed.ask('!list')).text).toBe('calm,list');
    expect(await testbed.repliesTo('!busy')).toEqual([]);
    expect((await testbed.ask('!calm')).text).toBe('calm here');
    await settle(400);
    expect(timerFired).toBe(false);
    expect(testbed.host.bots().map((b) => b.name)).toEqual(['calm']);
  });

  it('reloads a changed plugin file in place, and keeps the old version when the new one is broken', async () => {
    const dir = await pluginDir({ 'mood.ts': plugin('mood', 'version one') });
    const file = path.join(dir, 'mood.ts');
    const { logger, lines } = captureLogs();
    const { server, url } = await startRelay({ greeting: 'none' });
    const host = track(
      new BotHost({ url, token: server.botToken, logger, settings: { botStoreDir: dir } }),
      (h) => h.close(),
    );
    await host.startFiles([file]);
    const testbed = { host };
    const person = await import('../support/connect-client.js').then((m) => m.connectClient(url));
    const ask = async (text: string) => {
      const replies: string[] = [];
      const listener = (content: unknown, meta: { from: { kind: string } }) => {
        if (meta.from.kind === 'bot') replies.push(String(content));
      };
      person.on('sendMessageFromBack', listener);
      person.emit('sendMessage', text);
      await vi.waitUntil(() => replies.length > 0, { timeout: 5000, interval: 20 });
      await settle(200); // quiet window: one version answers, never two
      person.off('sendMessageFromBack', listener);
      return replies;
    };
    expect(await ask('!mood')).toEqual(['version one']);

    await writeFile(file, plugin('mood', 'version two'));
    await testbed.host.reload(file);
    expect(await ask('!mood')).toEqual(['version two']);

    await writeFile(file, 'export default defineBot({ oops');
    await testbed.host.reload(file);
    expect(lines.some((l) => l.msg === 'plugin failed to reload; the old version keeps running')).toBe(true);
    expect(await ask('!mood')).toEqual(['version two']);

    // A new version that loads but whose setup throws: the old one could only be stopped first (they
    // share a name, a store and jobs), and is started again.
    await writeFile(
      file,
      `import { defineBot } from 'relaykit';
export default defineBot({ name: 'mood', description: 'broken setup', setup() { throw new Error('setup v3'); } });
`,
    );
    await testbed.host.reload(file);
    expect(lines.some((l) => l.msg === 'plugin failed to reload; the old version is started again')).toBe(
      true,
    );
    expect(host.bots().map((bot) => bot.name)).toEqual(['mood']);
    expect(await ask('!mood')).toEqual(['version two']);
  });

  it('reloads on file change when watching the folder', async () => {
    const dir = await pluginDir({ 'watched.ts': plugin('watched', 'before') });
    const { logger, lines } = captureLogs();
    const { server, url } = await startRelay({ greeting: 'none' });
    const host = track(
      new BotHost({ url, token: server.botToken, logger, settings: { botStoreDir: dir } }),
      (h) => h.close(),
    );
    await host.startDir(dir);
    host.watch(dir);
    await writeFile(path.join(dir, 'watched.ts'), plugin('watched', 'after'));
    const deadline = Date.now() + 5000;
    while (!lines.some((l) => l.msg === 'plugin reloaded') && Date.now() < deadline) await settle(50);
    expect(lines.find((l) => l.msg === 'plugin reloaded')).toMatchObject({ bot: 'watched' });
    expect(host.bots().map((b) => b.name)).toEqual(['watched']);
  });
});

describe('bot.every in the testing kit', () => {
  it('runs jobs on demand, without waiting for their time', async () => {
    const reporter = defineBot({
      name: 'reporter',
      description: 'reports',
      setup(bot) {
        bot.every('0 9 * * 1', () => bot.send('weekly report', { room: 'general' }), { name: 'weekly' });
      },
    });
    const testbed = await startTestbed({ bots: [reporter] });
    const person = await testbed.user('jo', { room: 'general' });
    expect(testbed.jobs()).toEqual(['reporter:weekly']);
    await testbed.tick('reporter:weekly');
    expect((await person.waitFor((m) => m.meta.from.name === 'reporter')).text).toBe('weekly report');
    expect(await testbed.runJobs('reporter')).toEqual(['reporter:weekly']);
    await expect(testbed.tick('nope')).rejects.toThrow(/no job "nope"/);
  });

  it('refuses an invalid cron expression when the bot starts', async () => {
    const scheduler = new ManualBotScheduler();
    expect(() => scheduler.schedule('x:y', 'every day', async () => undefined)).toThrow(/invalid cron/);
    const broken = defineBot({
      name: 'broken-cron',
      description: 'x',
      setup(bot) {
        bot.every('not cron', () => undefined);
      },
    });
    await expect(startTestbed({ bots: [broken] })).rejects.toMatchObject({
      code: 'RELAY_ERR_PLUGIN_LOAD_FAILED',
    });
  });

  // The relay's scheduler refused these while the testbed's took them: a plugin that passed its tests
  // failed to load in the relay.
  it('refuses a job name the relay cannot take, and one given twice, in the testbed as in the relay', async () => {
    const withJobs = (name: string, jobs: string[]) =>
      defineBot({
        name,
        description: 'x',
        setup(bot) {
          for (const job of jobs) bot.every('0 9 * * *', () => undefined, { name: job });
        },
      });
    const longest = 'j'.repeat(64 - 'ok:'.length);
    const testbed = await startTestbed({ bots: [withJobs('ok', [longest])] });
    expect(testbed.jobs()).toEqual([`ok:${longest}`]);
    for (const [bot, detail] of [
      [withJobs('spaced', ['daily digest']), /its id must be 1 to 64/],
      [withJobs('long', ['j'.repeat(64 - 'long:'.length + 1)]), /its id must be 1 to 64/],
      [withJobs('twice', ['daily', 'daily']), /declared twice/],
    ] as const) {
      await expect(startTestbed({ bots: [bot] })).rejects.toMatchObject({
        code: 'RELAY_ERR_PLUGIN_LOAD_FAILED',
        message: expect.stringMatching(detail),
      });
    }
  });
});
