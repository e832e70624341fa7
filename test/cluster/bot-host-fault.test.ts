import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { spawnRelayCli } from '../support/spawn-relay-cli.js';
import { startRedis } from '../support/start-redis.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';
import { emptyDir, startNode } from './relay-node.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const PING = fileURLToPath(new URL('../../plugins/ping.ts', import.meta.url));
const BOT_TOKEN = 'cluster-bot-token-0123456789';

describe.runIf(HAS_REDIS)('a bot host whose relay node dies', () => {
  // Four processes (two nodes, the bot host, Redis) on a shared two-core machine: give them time.
  it('reconnects with backoff once the node is back, and answers people on other nodes again, once', {
    timeout: 90_000,
  }, async () => {
    const redis = await startRedis();
    const nodeArgs = { extraArgs: ['--bot-token', BOT_TOKEN] };
    const [home, other] = await Promise.all([startNode(redis.url, nodeArgs), startNode(redis.url, nodeArgs)]);
    const bots = spawnRelayCli(['bots', '--url', home.url, '--token', BOT_TOKEN, PING], {
      cwd: await emptyDir(),
    });
    await bots.waitForLog((line) => line.msg === 'bot connected', 30_000);

    // A person on the other node asks; the bot, connected to its home node, answers across the cluster.
    const person = await connectClient(other.url, { auth: { name: 'lea' } });
    const pong = () =>
      waitForEvent<[string, MessageMeta]>(person, 'sendMessageFromBack', {
        timeoutMs: 10_000,
        filter: (content) => String(content).startsWith('pong'),
      });
    const first = pong();
    person.emit('sendMessage', '!ping');
    expect((await first)[1].from).toMatchObject({ name: 'ping', kind: 'bot' });

    home.child.kill('SIGKILL');
    await home.exited;
    await bots.waitForLog((line) => line.msg === 'bot disconnected; reconnecting', 10_000);
    const restarted = await startNode(redis.url, { ...nodeArgs, port: home.port });
    expect(restarted.url).toBe(home.url);
    await expect
      .poll(() => bots.stdout.filter((line) => line.includes('"bot connected"')).length, { timeout: 30_000 })
      .toBe(2);

    const again = pong();
    person.emit('sendMessage', '!ping');
    await again;
    // One answer: reconnecting did not register the bot's handlers twice.
    const extra = await collectEvents<[string]>(person, 'sendMessageFromBack', 1500);
    expect(extra.filter(([content]) => String(content).startsWith('pong'))).toEqual([]);
  });
});
