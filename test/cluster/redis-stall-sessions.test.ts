import { describe, expect, it } from 'vitest';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startNode } from './relay-node.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

// socket.io's Redis adapter writes recovery sessions without waiting for the reply. When Redis stalls
// (SIGSTOP here; a partition looks the same), those writes wait for a reply until the node cuts the
// silent connection, then all fail at once: with nothing listening, that would end a Node 20 process,
// and logged one by one, it is a line per client that came and went.
describe.runIf(HAS_REDIS)('a Redis that stalls while clients come and go', () => {
  it('does not end the node, logs the failed writes once, and serves again once Redis is back', async () => {
    const redis = await startRedis();
    const node = await startNode(redis.url);
    const steady = await connectClient(node.url, { auth: { name: 'steady' } });

    redis.pause();
    // Each connect and each drop writes a session to the stalled Redis.
    for (let i = 0; i < 5; i += 1) {
      const passing = await connectClient(node.url, { auth: { name: `passing-${i}` } });
      passing.io.engine.close();
    }
    // The node cuts connections silent for 5 s; their pending writes fail then, and it must live on.
    const alive = <T>(wait: Promise<T>) =>
      Promise.race([
        wait,
        node.exited.then((code) => {
          throw new Error(`the node exited with ${code}:\n${node.stderr.join('\n')}`);
        }),
      ]);
    // Which notices first, the idle cut or the main connection's ping, is a race: one line either way.
    const lost = (msg: unknown) =>
      msg === 'Redis connection lost; reconnecting' || String(msg).startsWith('Redis did not answer a ping');
    await alive(node.waitForLog((line) => lost(line.msg), 15_000));
    await redis.stop('SIGKILL');
    await redis.start();
    await alive(node.waitForLog((line) => line.msg === 'Redis connection back', 20_000));
    const ack = await steady.timeout(5000).emitWithAck('sendMessage', 'still here');
    expect(ack.ok).toBe(true);
    // The cut failed every write the stalled Redis held (sessions, stream appends): one line says so.
    const failed = node.stdout.filter((line) => line.includes('"msg":"Redis command failed'));
    expect(failed).toHaveLength(1);
    const outage = node.stdout.filter((line) => line.includes('"level":50'));
    expect(outage, outage.join('\n')).toHaveLength(1);
    const counted = await (await fetch(`${node.url}/metrics`)).text();
    expect(Number(/^relay_adapter_errors_total (\d+)/m.exec(counted)?.[1])).toBeGreaterThan(5);
  }, 60_000);
});
