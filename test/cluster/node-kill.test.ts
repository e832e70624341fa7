import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { startNode } from './relay-node.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

// Client-side failover: each reconnection attempt goes to the next node of the list.
function failover(client: TestClient, urls: readonly string[]): void {
  let next = 0;
  client.io.on('reconnect_attempt', () => {
    next = (next + 1) % urls.length;
    (client.io as unknown as { uri: string }).uri = urls[next] as string;
  });
}

function tally(client: TestClient): Map<string, number> {
  const seen = new Map<string, number>();
  client.on('sendMessageFromBack', (_content, meta: MessageMeta) => {
    seen.set(meta.id, (seen.get(meta.id) ?? 0) + 1);
  });
  return seen;
}

describe.runIf(HAS_REDIS)('a node killed with SIGKILL', () => {
  // Two real processes start on a shared two-core machine: give them time.
  it('has its clients fail over to a surviving node and recover; nothing acknowledged is lost or doubled', {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis();
    const [doomed, survivor] = await Promise.all([startNode(redis.url), startNode(redis.url)]);
    const alice = await connectClient(doomed.url, {
      auth: { name: 'alice', room: 'ops' },
      reconnection: true,
      reconnectionDelay: 200,
      reconnectionDelayMax: 500,
      randomizationFactor: 0,
    });
    failover(alice, [doomed.url, survivor.url]);
    const bob = await connectClient(survivor.url, { auth: { name: 'bob', room: 'ops' } });
    const heardByAlice = tally(alice);
    const heardByBob = tally(bob);
    const acknowledged: string[] = [];
    const send = async (client: TestClient, text: string) => {
      const ack = await client.emitWithAck('sendMessage', text);
      if (!ack.ok) throw new Error(`refused: ${ack.error.code}`);
      acknowledged.push(ack.id);
    };

    await send(alice, 'alice on the doomed node');
    await send(bob, 'bob on the survivor');
    await expect.poll(() => heardByAlice.size, { timeout: 5000 }).toBe(2);
    const aliceId = alice.id;

    const dropped = waitForEvent<[string]>(alice, 'disconnect', { timeoutMs: 5000 });
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBe(null);
    expect((await dropped)[0]).toBe('transport close');
    // While alice is away, bob goes on talking in the room.
    await send(bob, 'while alice fails over 1');
    await send(bob, 'while alice fails over 2');

    await waitForEvent(alice, 'connect', { timeoutMs: 10_000 });
    expect(alice.recovered).toBe(true); // same id, same room, and what she missed
    expect(alice.id).toBe(aliceId);
    await send(alice, 'alice back, on the survivor');
    await send(bob, 'bob again');

    await expect.poll(() => heardByAlice.size, { timeout: 10_000 }).toBe(acknowledged.length);
    await expect.poll(() => heardByBob.size, { timeout: 10_000 }).toBe(acknowledged.length);
    for (const heard of [heardByAlice, heardByBob]) {
      expect([...heard.keys()].sort()).toEqual([...acknowledged].sort());
      expect([...heard.values()].every((count) => count === 1)).toBe(true);
    }
  });
});
