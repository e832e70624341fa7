// `relay new-bot NAME` writes a working bot and its test, from the shipped templates.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { createBotTestbed } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';

const REPO = path.resolve(import.meta.dirname, '../..');

// Inside the repository (gitignored .relaykit/), so that the generated `import … from 'relaykit'` resolves.
async function projectDir(): Promise<string> {
  await mkdir(path.join(REPO, '.relaykit'), { recursive: true });
  return track(await mkdtemp(path.join(REPO, '.relaykit', 'new-bot-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
}

describe('relay new-bot', () => {
  it('writes plugins/NAME.ts and test/plugins/NAME.test.ts, and the bot works as generated', async () => {
    const dir = await projectDir();
    const ctx = createCliContext({ cwd: REPO });
    await runCli(['new-bot', 'greeter', '--dir', dir], ctx);
    expect(ctx.exitCode).toBe(0);
    const pluginFile = path.join(dir, 'plugins', 'greeter.ts');
    const testFile = path.join(dir, 'test', 'plugins', 'greeter.test.ts');
    expect(ctx.out()).toContain(path.relative(REPO, pluginFile));
    const plugin = await readFile(pluginFile, 'utf8');
    expect(plugin).toContain("name: 'greeter'");
    expect(plugin).not.toContain('__NAME__');
    const test = await readFile(testFile, 'utf8');
    expect(test).toContain("import bot from '../../plugins/greeter.js'");
    expect(test).toContain("testbed.ask('!greeter Ada')");

    const testbed = track(await createBotTestbed({ bots: [pluginFile] }), (t) => t.close());
    expect((await testbed.ask('!greeter Ada')).text).toBe('Hello Ada!');
    expect((await testbed.ask('!greeter')).text).toBe('Hello tester!');
  });

  it('writes into the working directory without --dir, and never overwrites without --force', async () => {
    const dir = await projectDir();
    const first = createCliContext({ cwd: dir });
    await runCli(['new-bot', 'dup'], first);
    expect(first.exitCode).toBe(0);
    const second = createCliContext({ cwd: dir });
    await runCli(['new-bot', 'dup'], second);
    expect(second.exitCode).toBe(1);
    expect(second.err()).toContain(`${path.join('plugins', 'dup.ts')} exists; pass --force`);
    const forced = createCliContext({ cwd: dir });
    await runCli(['new-bot', 'dup', '--force'], forced);
    expect(forced.exitCode).toBe(0);
  });

  it('refuses an invalid bot name', async () => {
    const dir = await projectDir();
    const ctx = createCliContext({ cwd: dir });
    await runCli(['new-bot', 'Bad Name!'], ctx);
    expect(ctx.exitCode).toBe(2); // a usage error, as a bad flag
    expect(ctx.err()).toContain('is not valid');
    // Its command has its name: 32 characters at most, as command names.
    const atLimit = createCliContext({ cwd: dir });
    await runCli(['new-bot', `b${'x'.repeat(31)}`], atLimit);
    expect(atLimit.exitCode).toBe(0);
    const past = createCliContext({ cwd: dir });
    await runCli(['new-bot', `b${'x'.repeat(32)}`], past);
    expect(past.exitCode).toBe(2);
    expect(past.err()).toContain('at most 32 characters');
  });
});
