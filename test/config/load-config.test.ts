import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { track } from '../support/cleanup.js';

async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-config-')), (d) =>
    rm(d, { recursive: true }),
  );
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('loadConfig', () => {
  it('uses the defaults when nothing is set', async () => {
    const { config, file } = await loadConfig({ cwd: await tempDir(), env: {} });
    expect(file).toBeUndefined();
    expect(config).toMatchObject({ port: 3000, routing: 'all', greeting: 'self', maxContentBytes: 4096 });
    expect(config.maxHttpBufferSize).toBe(65_536);
  });

  it('layers file < environment < flags', async () => {
    const cwd = await tempDir({
      'relay.config.yaml':
        'port: 4000\nrouting: echo\ngreeting: none\nrateLimit: { burst: 7, perSecond: 3 }\n',
    });
    const { config, file } = await loadConfig({
      cwd,
      env: { PORT: '5000', RELAY_ROUTING: 'others', RELAY_ORIGINS: 'https://a.example, https://b.example' },
      flags: { port: 6000, 'rateLimit.burst': 9 },
    });
    expect(file).toBe('relay.config.yaml');
    expect(config).toMatchObject({
      port: 6000,
      routing: 'others',
      greeting: 'none',
      origins: ['https://a.example', 'https://b.example'],
      rateLimit: { burst: 9, perSecond: 3 },
    });
  });

  // A leftover variable under a feature the file turned off turned it back on, silently.
  it('refuses a variable or flag under a setting the file turned off, naming both', async () => {
    const cwd = await tempDir({ 'relay.config.yaml': 'history: false\nrateLimit: false\n' });
    await expect(loadConfig({ cwd, env: { RELAY_HISTORY_STORE: 'h.db' } })).rejects.toThrow(
      'environment variable RELAY_HISTORY_STORE: setting "history.store" is invalid: is set while "history" is false (relay.config.yaml); remove one of the two',
    );
    await expect(loadConfig({ cwd, env: {}, flags: { 'rateLimit.burst': 5 } })).rejects.toThrow(
      /flag --rate-limit-burst: setting "rateLimit.burst" is invalid: is set while "rateLimit" is false \(relay.config.yaml\)/,
    );
    // Without one, the file's false stands.
    const { config } = await loadConfig({ cwd, env: {} });
    expect(config).toMatchObject({ history: false, rateLimit: false });
    // A value at the wrong level is named by its type only: it may be a secret.
    const misplaced = await tempDir({ 'relay.config.yaml': 'api: ["ci:s3cr3t-token-value:publish"]\n' });
    const refused = loadConfig({ cwd: misplaced, env: { RELAY_API_BODY_LIMIT_BYTES: '1000' } });
    await expect(refused).rejects.toThrow(/is set while "api" is an array \(relay.config.yaml\)/);
    await expect(refused).rejects.not.toThrow(/s3cr3t/);
    // `history:` with its children commented out turned nothing off.
    const empty = await tempDir({ 'relay.config.yaml': 'history:\n  # store: h.db\n' });
    const loaded = await loadConfig({ cwd: empty, env: { RELAY_HISTORY_STORE: 'h.db' } });
    expect(loaded.config.history).toMatchObject({ store: 'h.db' });
  });

  it('prefers RELAY_PORT over PORT, reads JSON files and --config paths', async () => {
    const cwd = await tempDir({ 'custom.json': '{ "greetingText": "Salut", "rateLimit": false }' });
    const { config } = await loadConfig({
      cwd,
      env: { PORT: '1', RELAY_PORT: '2' },
      configFile: 'custom.json',
    });
    expect(config).toMatchObject({ port: 2, greetingText: 'Salut', rateLimit: false });
  });

  it.each([
    [{ 'relay.config.yaml': 'routing: sideways\n' }, {}, 'relay.config.yaml', 'routing'],
    [{ 'relay.config.yaml': 'rateLimit: { burst: many }\n' }, {}, 'relay.config.yaml', 'rateLimit.burst'],
    [{ 'relay.config.json': '{ "prot": 3000 }' }, {}, 'relay.config.json', 'prot'],
    [
      {},
      { RELAY_MAX_CONTENT_BYTES: 'lots' },
      'environment variable RELAY_MAX_CONTENT_BYTES',
      'maxContentBytes',
    ],
    [{}, { PORT: '70000' }, 'environment variable PORT', 'port'],
  ])('names the bad key and its source (%#)', async (files, env, source, key) => {
    const cwd = await tempDir(files);
    await expect(loadConfig({ cwd, env })).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG_INVALID',
      key,
      source,
      message: expect.stringContaining(`${source}: setting "${key}" is invalid`),
    });
  });

  it('takes a bot token of 16 characters and refuses 15', async () => {
    const cwd = await tempDir();
    const token = 'b'.repeat(16);
    expect((await loadConfig({ cwd, env: { RELAY_BOT_TOKEN: token } })).config.botToken).toBe(token);
    await expect(loadConfig({ cwd, env: { RELAY_BOT_TOKEN: token.slice(1) } })).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG_INVALID',
      key: 'botToken',
    });
  });

  it("shows a bad URL's value without its user and password", async () => {
    const refused = loadConfig({
      cwd: await tempDir(),
      env: { RELAY_REDIS_URL: 'redis://ops:hunter2@redis host:6379' },
    });
    await expect(refused).rejects.toMatchObject({ key: 'redisUrl' });
    const message = ((await refused.catch((error: unknown) => error)) as Error).message;
    expect(message).toContain('(got "redis://***@redis host:6379")');
    expect(message).not.toContain('hunter2');
  });

  it('names a flag as the source of a bad flag value', async () => {
    await expect(
      loadConfig({ cwd: await tempDir(), env: {}, flags: { routing: 'nowhere' } }),
    ).rejects.toMatchObject({ key: 'routing', source: 'flag --routing' });
  });

  it('names the line and column of a YAML or JSON syntax error', async () => {
    const cwd = await tempDir({
      'relay.config.yaml': 'port: 3000\ngreeting: [self\nrouting: all\n',
      'broken.json': '{\n  "port": 3000,\n}\n',
    });
    await expect(loadConfig({ cwd, env: {} })).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG_INVALID',
      message: expect.stringMatching(
        /^config file relay\.config\.yaml: is not valid YAML at line \d+, column \d+: [^\n]+; correct what/,
      ),
    });
    const yaml = await loadConfig({ cwd, env: {} }).catch((error: Error) => error.message);
    expect(yaml).toMatch(
      /at line 3, column 1: Flow sequence in block collection must be sufficiently indented/,
    );
    await expect(loadConfig({ cwd, env: {}, configFile: 'broken.json' })).rejects.toMatchObject({
      message: expect.stringMatching(/^config file broken\.json: is not valid JSON at line 3, column 1: /),
    });
  });

  it('says a config file named by --config or RELAY_CONFIG is missing, and suggests a near name', async () => {
    const cwd = await tempDir({ 'relay.config.yaml': 'port: 3000\n' });
    await expect(loadConfig({ cwd, env: {}, configFile: 'relay.config.yml' })).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG_INVALID',
      message: expect.stringContaining(
        `config file relay.config.yml: does not exist (nothing at ${path.join(cwd, 'relay.config.yml')}, named by --config); did you mean relay.config.yaml?`,
      ),
    });
    await expect(loadConfig({ cwd, env: { RELAY_CONFIG: 'elsewhere.json' } })).rejects.toMatchObject({
      message: expect.stringMatching(
        /^config file elsewhere\.json: does not exist \(nothing at .*, named by RELAY_CONFIG\); correct/,
      ),
    });
  });

  // RELAY_CONFIG= (empty) skipped relay.config.yaml, so the relay started on defaults (every interface).
  it('reads the default file when RELAY_CONFIG is empty, as when it is unset', async () => {
    const cwd = await tempDir({ 'relay.config.yaml': 'host: 127.0.0.1\n' });
    const { config, file } = await loadConfig({ cwd, env: { RELAY_CONFIG: '' } });
    expect(config.host).toBe('127.0.0.1');
    expect(file).toMatch(/relay\.config\.yaml$/);
  });

  it('suggests the setting a mistyped key meant, at any depth', async () => {
    const cwd = await tempDir({
      'relay.config.yaml': 'greting: none\n',
      'nested.yaml': 'api: { rateLimit: { perSecnd: 3 } }\n',
      'far.yaml': 'colour: blue\n',
    });
    await expect(loadConfig({ cwd, env: {} })).rejects.toMatchObject({
      key: 'greting',
      message: expect.stringContaining(
        'setting "greting" is invalid: unknown setting; did you mean "greeting"?',
      ),
    });
    await expect(loadConfig({ cwd, env: {}, configFile: 'nested.yaml' })).rejects.toMatchObject({
      message: expect.stringContaining('did you mean "api.rateLimit.perSecond"?'),
    });
    await expect(loadConfig({ cwd, env: {}, configFile: 'far.yaml' })).rejects.toMatchObject({
      message: expect.stringContaining('"colour" is invalid: unknown setting (see docs/configuration.md)'),
    });
  });

  it('reads logFormat and drainDelayMs, drainDelayMs up to 600000 ms', async () => {
    const cwd = await tempDir();
    const { config } = await loadConfig({ cwd, env: {} });
    expect(config).toMatchObject({ logFormat: 'auto', drainDelayMs: 5000 });
    const set = await loadConfig({ cwd, env: { RELAY_LOG_FORMAT: 'json', RELAY_DRAIN_DELAY_MS: '600000' } });
    expect(set.config).toMatchObject({ logFormat: 'json', drainDelayMs: 600_000 });
    await expect(loadConfig({ cwd, env: { RELAY_DRAIN_DELAY_MS: '600001' } })).rejects.toMatchObject({
      key: 'drainDelayMs',
    });
    await expect(loadConfig({ cwd, env: {}, flags: { drainDelayMs: -1 } })).rejects.toMatchObject({
      key: 'drainDelayMs',
    });
    await expect(loadConfig({ cwd, env: { RELAY_LOG_FORMAT: 'colour' } })).rejects.toMatchObject({
      key: 'logFormat',
      source: 'environment variable RELAY_LOG_FORMAT',
    });
  });

  it("takes botHandlerTimeoutMs up to Node's longest timer, and refuses one more; reads botSetupTimeoutMs", async () => {
    const cwd = await tempDir();
    const longest = await loadConfig({ cwd, env: { RELAY_BOT_HANDLER_TIMEOUT_MS: '2147483647' } });
    expect(longest.config.botHandlerTimeoutMs).toBe(2_147_483_647);
    await expect(
      loadConfig({ cwd, env: { RELAY_BOT_HANDLER_TIMEOUT_MS: '2147483648' } }),
    ).rejects.toMatchObject({
      key: 'botHandlerTimeoutMs',
    });
    const setup = await loadConfig({ cwd, env: { RELAY_BOT_SETUP_TIMEOUT_MS: '120000' } });
    expect(setup.config.botSetupTimeoutMs).toBe(120_000);
    expect(longest.config.botSetupTimeoutMs).toBe(30_000);
  });

  it.each([
    ['recoveryWindowMs', 'RELAY_RECOVERY_WINDOW_MS'],
    ['shutdownTimeoutMs', 'RELAY_SHUTDOWN_TIMEOUT_MS'],
  ])(
    "takes %s up to Node's longest timer, and refuses one more (a timer past it fires at once)",
    async (key, variable) => {
      const cwd = await tempDir();
      const longest = await loadConfig({ cwd, env: { [variable]: '2147483647' } });
      expect(longest.config[key as 'recoveryWindowMs' | 'shutdownTimeoutMs']).toBe(2_147_483_647);
      await expect(loadConfig({ cwd, env: { [variable]: '2147483648' } })).rejects.toMatchObject({ key });
    },
  );
});
