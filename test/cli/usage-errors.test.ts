// Helpful usage errors: "did you mean" for unknown options and commands, and subcommand help with
// defaults and an example.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { createCliContext } from '../support/cli-context.js';

async function relay(args: string[]) {
  const ctx = createCliContext();
  await runCli(args, ctx);
  return ctx;
}

describe('relay usage errors', () => {
  it.each([
    [['serve', '--prot', '3001'], 'relay: unknown option --prot; did you mean --port?', 'serve'],
    [['serve', '--greting=none'], 'relay: unknown option --greting; did you mean --greeting?', 'serve'],
    [
      ['serve', '--rate-limit-brust', '3'],
      'relay: unknown option --rate-limit-brust; did you mean --rate-limit-burst?',
      'serve',
    ],
    [['announce', 'hi', '--jsno'], 'relay: unknown option --jsno; did you mean --json?', 'announce'],
    [['serv'], 'relay: unknown command "serv"; did you mean "serve"?', ''],
    [['anounce', 'hi'], 'relay: unknown command "anounce"; did you mean "announce"?', ''],
  ])('%j: %s', async (args, first, command) => {
    const ctx = await relay(args);
    expect(ctx.exitCode).toBe(2);
    expect(ctx.out()).toBe('');
    expect(ctx.err()).toBe(`${first}\nrun "relay ${command ? `${command} ` : ''}--help" for usage\n`);
  });

  it.each([
    [
      ['schedule', 'add', 'standup'],
      'relay: Not enough non-option arguments: got 1, need at least 3',
      'schedule add',
    ],
    [['hooks', 'rm'], 'relay: Not enough non-option arguments: got 0, need at least 1', 'hooks rm'],
    [['schedule'], 'relay: name a schedule command: next, list, add, rm, run, pause, resume', 'schedule'],
    [['webhooks'], 'relay: name a webhooks command: add, list, rm, test', 'webhooks'],
  ])('%j points at the help of the command it failed in', async (args, first, command) => {
    const ctx = await relay(args);
    expect(ctx.exitCode).toBe(2);
    expect(ctx.err()).toBe(`${first}\nrun "relay ${command} --help" for usage\n`);
  });

  it('suggests the subcommand of schedule, and nothing for names far from every option', async () => {
    const sub = await relay(['schedule', 'lsit']);
    expect(sub.exitCode).toBe(2);
    expect(sub.err()).toMatch(/^relay: unknown command "lsit"; did you mean "list"\?/);
    const far = await relay(['serve', '--colour', 'blue']);
    expect(far.exitCode).toBe(2);
    expect(far.err()).toMatch(/^relay: unknown option --colour\n/);
    const extra = await relay(['announce', 'two', 'words']);
    expect(extra.err()).toMatch(/^relay: unexpected argument "words" \(put text with spaces in quotes\)\n/);
  });

  it('shows defaults and an example in a subcommand --help', async () => {
    const serve = await relay(['serve', '--help']);
    expect(serve.exitCode).toBe(0);
    // Wrapping may glue two brackets of a long option together: one space between them, as unwrapped.
    const help = serve.out().replace(/\s+/g, ' ').replaceAll('][', '] [');
    expect(help).toContain('TCP port; 0 picks a free one [env RELAY_PORT] [number] [default: 3000]');
    expect(help).toMatch(/--log-format .* \[choices: "auto", "pretty", "json"\] \[default: auto\]/);
    expect(help).toMatch(/--drain-delay-ms .*\[default: 5000\]/);
    expect(help).toContain('Examples: relay serve --watch');
    const add = (await relay(['schedule', 'add', '--help'])).out().replace(/\s+/g, ' ');
    expect(add).toContain("[env RELAY_CLIENT_TOKEN] [string] [default: the dev relay's generated token]");
    expect(add).toContain(
      'Examples: relay schedule add standup "0 55 9 * * 1-5" "Stand-up" --tz Europe/Paris # weekdays, 09:55 in Paris',
    );
    const announce = (await relay(['announce', '--help'])).out().replace(/\s+/g, ' ');
    expect(announce).toContain('Examples: relay announce "Deploy done" --room ops');
  });

  // Installed in a project, yargs's default printed that project's version (checked from a packed
  // tarball: in the checkout both are RelayKit's).
  it("prints RelayKit's own version for --version", async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const ctx = await relay(['--version']);
    expect(ctx.out().trim()).toBe(version);
    expect(ctx.exitCode ?? 0).toBe(0);
  });
});
