import { describe, expect, it } from 'vitest';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startNode } from './relay-node.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

type Ack = { ok: boolean; error?: { code: string } };

// Under traffic the node's main Redis connection is never idle, so the idle cut never fired on a
// stalled Redis (SIGSTOP; a partition looks the same): acks waited for as long as the stall lasted,
// nothing was refused, and the messages piled up in the node's memory.
describe.runIf(HAS_REDIS)('a Redis that stalls while a client keeps sending', () => {
  it('refuses what waited with RELAY_ERR_NOT_READY within seconds, then the rest at once, and recovers', async () => {
    const redis = await startRedis();
    const node = await startNode(redis.url);
    const alice = await connectClient(node.url, { auth: { name: 'alice' } });
    const send = (text: string) =>
      alice
        .timeout(15_000)
        .emitWithAck('sendMessage', text)
        .then(
          (ack: Ack) => ack,
          (error: Error) => ({ ok: false, error: { code: `no ack: ${error.message}` } }),
        );
    expect(await send('before')).toMatchObject({ ok: true });

    redis.pause();
    const pausedAt = Date.now();
    // Traffic keeps the main connection busy writing to a Redis that never answers.
    const answers: Array<Promise<Ack & { at: number }>> = [];
    let refused = false;
    while (!refused && Date.now() - pausedAt < 14_000) {
      answers.push(
        send(`m${answers.length}`).then((ack) => {
          if (!ack.ok) refused = true;
          return { ...ack, at: Date.now() - pausedAt };
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const settled = await Promise.all(answers);
    // Every send is answered, none with an ack timeout, and typed; the first refusals within the ping's
    // 5 s plus its 1 s interval, after which each new one is refused at once.
    expect(
      settled.map((ack) => ack.error?.code ?? 'ok').filter((code) => code !== 'RELAY_ERR_NOT_READY'),
    ).toEqual([]);
    expect(Math.min(...settled.map((ack) => ack.at))).toBeLessThan(10_000);
    const startedAt = Date.now();
    expect(await send('later')).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_NOT_READY' } });
    expect(Date.now() - startedAt).toBeLessThan(3000);
    expect((await fetch(`${node.url}/readyz`)).status).toBe(503);

    redis.resume();
    await node.waitForLog((line) => line.msg === 'Redis connection back', 20_000);
    expect(await send('after')).toMatchObject({ ok: true });
    // One error line for the outage, whichever connection noticed it first.
    const lost = node.stdout.filter((line) => line.includes('"level":50'));
    expect(lost, lost.join('\n')).toHaveLength(1);
    expect(lost[0]).toMatch(/Redis did not answer a ping|Redis connection lost/);
  }, 60_000);
});
