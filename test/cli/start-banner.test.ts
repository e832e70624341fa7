// `relay serve` in a terminal: pretty, coloured, human-timed log lines and a start banner with commands
// to paste; run in-process with a context whose stdout passes for a terminal.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is looked for
const ANSI = /\u001b\[\d+m/g;

async function serve(args: string[], options: { env?: Record<string, string>; isTTY?: boolean }) {
  const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-banner-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
  const ctx = createCliContext({ cwd, ...options });
  await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--greeting', 'none', ...args], ctx);
  expect(ctx.err()).toBe('');
  const running = ctx.running;
  if (running) track(running, (r) => r.close());
  return ctx;
}

describe('relay serve in a terminal', () => {
  it('writes coloured pretty lines with a local time, then a banner with the URL, chat page, token, curl and announce', async () => {
    const ctx = await serve([], { isTTY: true });
    const out = ctx.out();
    const plain = out.replace(ANSI, '');
    expect(out).toMatch(ANSI);
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: relay: relay listening \{"port":\d+/m);
    expect(plain).not.toMatch(/^\{"level"/m);
    const url = /^ {2}URL {8}(http:\/\/127\.0\.0\.1:\d+)$/m.exec(plain)?.[1];
    expect(url).toBeDefined();
    const token = /^ {2}API token {2}(\S+) {2}\(made up for this run/m.exec(plain)?.[1] ?? '';
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(plain).toContain(`  chat page  ${url}/`);
    expect(plain).toContain(
      `curl -X POST ${url}/v1/messages -H "Authorization: Bearer ${token}" -H 'content-type: application/json' -d '{"content":"hello"}'`,
    );
    // The announce line takes the secret from the environment or the dev relay file, never an argument.
    expect(plain).toMatch(
      new RegExp(
        `RELAY_CLIENT_TOKEN=${token} npx relay announce hello --url ${url}|npx relay announce hello {2}\\(from this folder`,
      ),
    );
    expect(plain).not.toContain('--token');
    // The banner's token is the one the API takes.
    const posted = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'hello' }),
    });
    expect(posted.status).toBe(202);
  });

  it('has no colours with NO_COLOR, pretty lines with --log-format pretty off a terminal, none on --log-format json', async () => {
    const noColour = await serve([], { isTTY: true, env: { NO_COLOR: '1' } });
    expect(noColour.out()).toContain('RelayKit relay running');
    expect(noColour.out()).not.toMatch(ANSI);

    const forced = await serve(['--log-format', 'pretty'], { isTTY: false });
    expect(forced.out()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: relay started/m);
    expect(forced.out()).not.toMatch(ANSI);

    // JSON lines go to pino's own stdout, not the command's: nothing is printed there, banner included.
    const json = await serve([], { isTTY: true, env: { RELAY_LOG_FORMAT: 'json' } });
    expect(json.out()).toBe('');
  });

  it('shows where the token comes from when api.tokens are configured, and no secret', async () => {
    const ctx = await serve(['--log-format', 'pretty'], { env: { RELAY_API_TOKENS: 'ci:s3cr3t:publish' } });
    const out = ctx.out();
    expect(out).toContain('API token  from api.tokens (RELAY_API_TOKENS)');
    expect(out).toContain('-H "Authorization: Bearer $RELAY_CLIENT_TOKEN"');
    expect(out).not.toContain('s3cr3t');
    expect(out).not.toContain('dev-relay.json');
  });
});
