// A brain that JSON cannot hold (a script stored a cycle) is logged once per episode, in the file and in
// Redis, never thrown out of Hubot's save timer; once it can be saved again, that is logged and it is.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import {
  type HubotBrainStore,
  openHubotBrainFile,
  openHubotBrainRedis,
  startHubot,
} from '../../src/hubot/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const TOKEN = 'test-bot-token-0123456789';

async function saveACycleThenRecover(
  open: (logger: ReturnType<typeof captureLogs>['logger']) => Promise<HubotBrainStore>,
  saved: () => Promise<string>,
) {
  const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
  const capture = captureLogs();
  const brain = await open(capture.logger);
  const hubot = track(
    await startHubot({ url, token: TOKEN, name: 'hubot', logger: capture.logger, scripts: [], brain }),
    (h) => h.close(),
  );
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  hubot.robot.brain.set('cycle', cycle);
  hubot.robot.brain.save();
  hubot.robot.brain.save();
  await brain.flush();
  const failures = () => capture.lines.filter((line) => line.msg === 'hubot brain could not be saved');
  await expect.poll(() => failures().length).toBe(1);

  hubot.robot.brain.remove('cycle');
  hubot.robot.brain.set('fine', 1);
  hubot.robot.brain.save();
  await brain.flush();
  await expect.poll(() => capture.find((line) => line.msg === 'hubot brain saved again')).toBeDefined();
  expect(failures()).toHaveLength(1);
  expect(JSON.parse(await saved())).toMatchObject({ _private: { fine: 1 } });
}

describe('a brain that cannot be saved', () => {
  it('in the bot store file: logged once, saved again once it can be', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-brain-'));
    track(dir, (d) => rm(d, { recursive: true, force: true }));
    await saveACycleThenRecover(
      (logger) => openHubotBrainFile(dir, 'hubot', logger),
      async () => {
        const text = await readFile(path.join(dir, 'bot-store', 'hubot-hubot.json'), 'utf8');
        return JSON.stringify((JSON.parse(text) as { brain: unknown }).brain);
      },
    );
  });

  it.skipIf(!HAS_REDIS)('in Redis: logged once, saved again once it can be', async () => {
    const redis = await startRedis();
    const reader = track(createClient({ url: redis.url }), (c) => c.destroy());
    await reader.connect();
    await saveACycleThenRecover(
      (logger) => openHubotBrainRedis(redis.url, 'hubot', logger),
      async () => (await reader.get('relaykit:hubot-brain:hubot')) ?? '',
    );
  });
});
