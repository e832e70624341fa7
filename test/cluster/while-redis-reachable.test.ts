// The cluster's shared stores answer a command that Redis never answered with RELAY_ERR_NOT_READY (a
// 503 on HTTP), as they answer one refused before it was sent: a Redis killed while stopped, or one
// still loading, gave 500 RELAY_ERR_INTERNAL "this is a RelayKit bug".
import { createClient, ErrorReply } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisHookDirectory } from '../../src/cluster/redis-hook-directory.js';
import { type IdempotencyRedis, RedisIdempotencyStore } from '../../src/cluster/redis-idempotency-store.js';
import type { RedisLink } from '../../src/cluster/redis-links.js';
import { whileRedisReachable } from '../../src/cluster/while-redis-reachable.js';
import { RelayError } from '../../src/relay/relay-error.js';
import { track } from '../support/cleanup.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

describe('whileRedisReachable', () => {
  it('refuses at once while not ready, and keeps a reply that says the command was wrong', async () => {
    let ran = false;
    const refused = whileRedisReachable({ isReady: false }, 'x cannot be read', async () => {
      ran = true;
    });
    await expect(refused).rejects.toMatchObject({ code: 'RELAY_ERR_NOT_READY' });
    expect(ran).toBe(false);
    const wrong = new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value');
    await expect(whileRedisReachable({ isReady: true }, 'x', () => Promise.reject(wrong))).rejects.toBe(
      wrong,
    );
    const loading = new ErrorReply('LOADING Redis is loading the dataset in memory');
    const answer = whileRedisReachable({ isReady: true }, 'x cannot be read', () => Promise.reject(loading));
    await expect(answer).rejects.toBeInstanceOf(RelayError);
    await expect(answer).rejects.toMatchObject({ code: 'RELAY_ERR_NOT_READY', cause: loading });
  });
});

describe.runIf(HAS_REDIS)('the shared stores, when Redis dies with their command in flight', () => {
  it('answer RELAY_ERR_NOT_READY, the idempotency store and the hook directory alike', async () => {
    const redis = await startRedis();
    const client = track(createClient({ url: redis.url, socket: { reconnectStrategy: false } }), (c) =>
      c.isOpen ? c.destroy() : undefined,
    );
    client.on('error', () => {});
    await client.connect();
    const idempotency = new RedisIdempotencyStore(client as unknown as IdempotencyRedis);
    const hooks = new RedisHookDirectory(client as unknown as RedisLink);
    // Stopped, Redis takes the commands and never answers: they are in flight, the client still ready.
    redis.pause();
    const pending = Promise.allSettled([idempotency.get('ci\nkey-1'), hooks.byKeyHash('0'.repeat(64))]);
    expect(client.isReady).toBe(true);
    await redis.stop('SIGKILL');
    for (const answer of await pending) {
      expect(answer.status).toBe('rejected');
      expect((answer as PromiseRejectedResult).reason).toMatchObject({ code: 'RELAY_ERR_NOT_READY' });
    }
  });
});
