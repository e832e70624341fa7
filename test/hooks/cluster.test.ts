// Two nodes sharing one Redis share their hooks: added, rotated and deleted on one, so on the other.
import { describe, expect, it } from 'vitest';
import type { RelayServerOptions } from '../../src/index.js';
import { listener, nextMessage, problemOf } from '../http/api-relay.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { type HookIssued, startHookRelay } from './hook-relay.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

describe.runIf(HAS_REDIS)('hooks in a cluster', () => {
  it('a hook added on one node is reached on the other; rotated or deleted there, it is gone on both', async () => {
    const redis = await startRedis();
    const options: RelayServerOptions = { redisUrl: redis.url };
    const a = await startHookRelay(options);
    const b = await startHookRelay(options);
    const hook = await a.addHook({ name: 'alerts', room: 'ops', format: 'slack' });
    const onB = hook.url.replace(a.url, b.url);
    const ops = await listener(a.url, 'ops');

    // Added on A, delivered to B, heard on A.
    const heard = nextMessage(ops);
    expect((await b.deliver(onB, { text: 'through node B' })).status).toBe(200);
    expect((await heard).meta.from).toEqual({ id: hook.id, name: 'alerts', kind: 'http' });
    const listed = await b.send('/v1/hooks', { method: 'GET', token: 'ops-s3cr3t' });
    expect(((await listed.json()) as { hooks: Array<{ id: string }> }).hooks.map((h) => h.id)).toEqual([
      hook.id,
    ]);

    // Rotated on B: the old URL is refused on A at once, the new one works there.
    const rotated = (await (
      await b.send(`/v1/hooks/${hook.id}/rotate`, { token: 'ops-s3cr3t' })
    ).json()) as HookIssued;
    expect((await a.deliver(hook.url, { text: 'old key' })).status).toBe(404);
    const again = nextMessage(ops);
    expect((await a.deliver(rotated.url.replace(b.url, a.url), { text: 'new key' })).status).toBe(200);
    expect((await again).content).toMatchObject({ text: 'new key' });

    // Deleted on A: gone on B.
    expect((await a.send(`/v1/hooks/${hook.id}`, { method: 'DELETE', token: 'ops-s3cr3t' })).status).toBe(
      204,
    );
    const gone = await b.deliver(rotated.url, { text: 'deleted' });
    expect(gone.status).toBe(404);
    expect(await problemOf(gone)).toMatchObject({ code: 'RELAY_ERR_HOOK_NOT_FOUND' });
  });

  it('refuses deliveries with 503 while Redis is unreachable, and takes them again once it is back', async () => {
    const redis = await startRedis();
    const node = await startHookRelay({ redisUrl: redis.url });
    const hook = await node.addHook({ name: 'alerts', format: 'alertmanager' });
    await redis.stop();
    const refused = await node.deliver(hook.url, {
      status: 'firing',
      alerts: [{ labels: { alertname: 'A' } }],
    });
    expect(refused.status).toBe(503);
    expect(await problemOf(refused)).toMatchObject({ code: 'RELAY_ERR_NOT_READY' });
    await redis.start();
    // A fresh Redis (it kept nothing): the hook is unknown, the node answers again.
    await expect
      .poll(async () => (await node.deliver(hook.url, { status: 'firing', alerts: [] })).status, {
        timeout: 10_000,
      })
      .toBe(404);
  });
});
