// robot.brain in Redis (the relay's redisUrl): across a restart of the robot, through `relay hubot`, and
// a Redis that does not answer or holds garbage refused at start instead of overwritten.
import path from 'node:path';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { openHubotBrainRedis, startHubot } from '../../src/hubot/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { ask } from './ask-hubot.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const TOKEN = 'test-bot-token-0123456789';
const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');

describe.skipIf(!HAS_REDIS)('Hubot brain in Redis', () => {
  it('keeps robot.brain in Redis across a restart of the robot', async () => {
    const redis = await startRedis();
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const { logger } = captureLogs();
    const start = async () =>
      track(
        await startHubot({
          url,
          token: TOKEN,
          name: 'hubot',
          logger,
          scripts: [path.join(FIXTURES, 'scripts')],
          brain: await openHubotBrainRedis(redis.url, 'hubot', logger),
        }),
        (hubot) => hubot.close(),
      );
    const first = await start();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    expect((await ask(alice, 'hubot remember soup')).answer).toBe('remembered soup');
    expect((await ask(alice, 'hubot visit')).answer).toBe('visits 1');
    await first.close();

    const reader = track(createClient({ url: redis.url }), (c) => c.destroy());
    await reader.connect();
    const saved = JSON.parse((await reader.get('relaykit:hubot-brain:hubot')) ?? '{}') as {
      _private: unknown;
    };
    expect(saved._private).toEqual({ thing: 'soup' });

    await start();
    expect((await ask(alice, 'hubot recall')).answer).toBe('recalled soup');
    expect((await ask(alice, 'hubot visit')).answer).toBe('visits 2');
  });

  it('relay hubot keeps the brain in Redis when redisUrl is set', async () => {
    const redis = await startRedis();
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const socket = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const env = { RELAY_LOG_LEVEL: 'silent', RELAY_BOT_TOKEN: TOKEN, RELAY_REDIS_URL: redis.url };
    const ctx = createCliContext({ cwd: FIXTURES, env });
    await runCli(['hubot', '--url', url, 'scripts'], ctx);
    expect(ctx.err()).toBe('');
    track(ctx.running, (r) => r?.close());
    expect((await ask(socket, 'hubot remember jam')).answer).toBe('remembered jam');
    await ctx.running?.close();

    const reader = track(createClient({ url: redis.url }), (c) => c.destroy());
    await reader.connect();
    expect(JSON.parse((await reader.get('relaykit:hubot-brain:hubot')) ?? '{}')).toMatchObject({
      _private: { thing: 'jam' },
    });
  });

  it('refuses to start on a brain key that is not a JSON object, leaving it as it was', async () => {
    const redis = await startRedis();
    const writer = track(createClient({ url: redis.url }), (c) => c.destroy());
    await writer.connect();
    await writer.set('relaykit:hubot-brain:hubot', 'not json');
    const { logger } = captureLogs();
    await expect(openHubotBrainRedis(redis.url, 'hubot', logger)).rejects.toMatchObject({
      code: 'RELAY_ERR_HUBOT_BRAIN_UNAVAILABLE',
    });
    expect(await writer.get('relaykit:hubot-brain:hubot')).toBe('not json');
  });
});
