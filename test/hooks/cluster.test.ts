// Two nodes sharing one Redis share their hooks: added, rotated and deleted on one, so on the other.
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RelayServerOptions } from '../../src/index.js';
import { listener, nextMessage, problemOf } from '../http/api-relay.js';
import { track } from '../support/cleanup.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { fixture, type HookIssued, startHookRelay } from './hook-relay.js';

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
    expect((await heard).meta.from).toEqual({
      id: hook.id,
      userId: `http:${hook.id}`,
      name: 'alerts',
      kind: 'http',
    });
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

  // A publish waits for Redis here, so both deliveries are in flight at once.
  it('the same signed delivery posted twice at once is published once', async () => {
    const redis = await startRedis();
    const node = await startHookRelay({ redisUrl: redis.url });
    const hook = await node.addHook({ name: 'GitHub', format: 'github' });
    const lobby = await listener(node.url);
    const raw = JSON.stringify(fixture('github-release.json'));
    const headers = {
      'x-github-event': 'release',
      'x-github-delivery': 'same-delivery',
      'x-hub-signature-256': `sha256=${createHmac('sha256', hook.secret).update(raw).digest('hex')}`,
    };
    const heard: string[] = [];
    lobby.on('sendMessageFromBack', (content) => heard.push((content as { source: string }).source));
    // Five senders with all but the last byte of the same delivery sent: the relay has looked the hook
    // up for each and waits for their bodies. Their last bytes then go out together.
    const { port, pathname } = new URL(hook.url);
    const head = [
      `POST ${pathname} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(raw)}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    let received = 0;
    const all5 = new Promise<void>((resolve) => {
      const count = () => {
        received += 1;
        if (received === 5) {
          node.server.httpServer.off('request', count);
          resolve();
        }
      };
      node.server.httpServer.on('request', count);
    });
    const requests = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const socket = connect(Number(port), '127.0.0.1');
        track(socket, (s) => s.destroy());
        await once(socket, 'connect');
        const answer = new Promise<string>((resolve) => {
          let text = '';
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          socket.on('close', () => resolve(text));
        });
        socket.write(head + raw.slice(0, -1));
        return { socket, answer };
      }),
    );
    await all5;
    for (const { socket } of requests) socket.write(raw.slice(-1));
    const statuses = await Promise.all(
      requests.map(async ({ answer }) => Number((await answer).split(' ')[1])),
    );
    expect(statuses.sort()).toEqual([200, 409, 409, 409, 409]);
    // A later announcement proves by its order that no second copy was on its way.
    const marker = await node.addHook({ name: 'slack', format: 'slack' });
    const last = nextMessage(lobby);
    await node.deliver(marker.url, { text: 'marker' });
    await last;
    expect(heard).toEqual(['github', 'slack']);
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
    expect(refused.headers.get('retry-after')).toBe('2');
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
