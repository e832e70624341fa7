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

  it('names a flag as the source of a bad flag value', async () => {
    await expect(
      loadConfig({ cwd: await tempDir(), env: {}, flags: { routing: 'nowhere' } }),
    ).rejects.toMatchObject({ key: 'routing', source: 'flag --routing' });
  });

  it('reports a config file that is not valid YAML or cannot be read', async () => {
    const cwd = await tempDir({ 'relay.config.yaml': 'port: [1,\n' });
    await expect(loadConfig({ cwd, env: {} })).rejects.toMatchObject({
      message: expect.stringContaining('not valid YAML'),
    });
    await expect(loadConfig({ cwd, env: {}, configFile: 'missing.yaml' })).rejects.toMatchObject({
      message: expect.stringContaining('cannot be read (ENOENT)'),
    });
  });
});
