import { createClient } from 'redis';
import type { Server } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { startNode } from './relay-node.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function connectedSockets(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts = [...text.matchAll(/^relay_connected_sockets\{kind="\w+"\} (\d+)$/gm)];
  if (counts.length === 0) throw new Error('no relay_connected_sockets in /metrics');
  return counts.reduce((sum, [, count]) => sum + Number(count), 0);
}

// While Redis is away, node-redis queues every command sent on a connection that is not ready, without a
// bound, and sends them all when Redis is back: each client that came and went during an outage would
// cost the node memory until then, and Redis would then get its stale presence (and session) writes.
describe.runIf(HAS_REDIS)('clients that come and go while Redis is away', () => {
  it('send Redis nothing stale once it is back: no presence, and their sessions as they dropped', async () => {
    const redis = await startRedis();
    const node = await startNode(redis.url);
    await redis.stop('SIGKILL');
    await node.waitForLog((line) => line.msg === 'Redis connection lost; reconnecting', 15_000);

    const pids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const passing = await connectClient(node.url, { auth: { name: `passing-${i}` } });
      const pid = (passing as unknown as { _pid?: string })._pid;
      expect(pid, 'the relay offers connection state recovery').toBeTypeOf('string');
      pids.push(pid as string);
      // A transport close: socket.io keeps the session for recovery, and writes it to Redis.
      passing.io.engine.close();
    }
    await waitUntil(async () => (await connectedSockets(node.url)) === 0, 'the closed clients gone');

    await redis.start();
    await node.waitForLog((line) => line.msg === 'Redis connection back', 20_000);
    // An acknowledged message went through the node's main connection to Redis after anything queued on
    // it, so what was queued has reached Redis by now.
    const steady = await connectClient(node.url, { auth: { name: 'steady' } });
    const ack = await steady.timeout(5000).emitWithAck('sendMessage', 'after the outage');
    expect(ack.ok).toBe(true);

    const reader = createClient({ url: redis.url });
    await reader.connect();
    track(reader, (client) => client.destroy());
    // Their sessions, written once Redis was back as they were when they dropped: they may still recover.
    const kept = [];
    for (const pid of pids) if ((await reader.exists(`relaykit:session:${pid}`)) === 1) kept.push(pid);
    expect(kept).toEqual(pids);
    // Not their presence: a join sent as they came, a leave once the other nodes were asked (that ask is
    // not sent either: the leave goes to this node's sockets only), each refused while Redis was away.
    const entries = await reader.xRange('relaykit:messages', '-', '+');
    expect(JSON.stringify(entries)).not.toContain('passing-');
    // The refused writes are one episode of failures: one line, counted in the metric.
    const failed = node.stdout.filter((line) => line.includes('"msg":"Redis command failed'));
    expect(failed).toHaveLength(1);
  }, 60_000);

  it('connects a client that reconnects meanwhile fresh, without queueing its recovery for Redis', async () => {
    const redis = await startRedis();
    const node = await startNode(redis.url);
    const steady = await connectClient(node.url, { auth: { name: 'steady' } });
    const returning = await connectClient(node.url, { auth: { name: 'returning' }, reconnection: true });
    // A client offers to recover only once it has an offset: the broadcast gives it one.
    const heard = waitForEvent(returning, 'sendMessageFromBack');
    expect((await steady.timeout(5000).emitWithAck('sendMessage', 'before the outage')).ok).toBe(true);
    await heard;
    await redis.stop('SIGKILL');
    await node.waitForLog((line) => line.msg === 'Redis connection lost; reconnecting', 15_000);

    for (let i = 0; i < 3; i += 1) {
      const back = waitForEvent(returning, 'connect', { timeoutMs: 15_000 });
      returning.io.engine.close();
      await back;
      expect(returning.recovered).toBe(false);
    }

    await redis.start();
    await node.waitForLog((line) => line.msg === 'Redis connection back', 20_000);
    expect((await steady.timeout(5000).emitWithAck('sendMessage', 'after the outage')).ok).toBe(true);
    const reader = createClient({ url: redis.url });
    await reader.connect();
    track(reader, (client) => client.destroy());
    // A recovery reads the stream (XRANGE) and its session: nothing else reads the stream with XRANGE here.
    const stats = await reader.info('commandstats');
    expect(stats).not.toMatch(/^cmdstat_xrange:/m);
  }, 60_000);

  it('writes again, once Redis is back, the sessions it changed and deleted meanwhile', async () => {
    // A Redis that keeps its data across the restart, as a real one does.
    const redis = await startRedis({ persist: true });
    const node = await startNode(redis.url);
    const staying = await connectClient(node.url, { auth: { name: 'staying' } });
    const leaving = await connectClient(node.url, { auth: { name: 'leaving' } });
    const dropping = await connectClient(node.url, { auth: { name: 'dropping' } });
    const pidOf = (client: typeof staying) => (client as unknown as { _pid: string })._pid;
    const reader = createClient({ url: redis.url });
    await reader.connect();
    track(reader, (client) => client.isOpen && client.destroy());
    const sessionOf = async (pid: string) => reader.get(`relaykit:session:${pid}`);
    await waitUntil(async () => (await sessionOf(pidOf(leaving))) !== null, 'the sessions written');
    const before = await sessionOf(pidOf(staying));
    const droppingBefore = await sessionOf(pidOf(dropping));
    // Closed before its Redis is killed under it.
    reader.destroy();
    await redis.stop('SIGKILL');
    await node.waitForLog((line) => line.msg === 'Redis connection lost; reconnecting', 15_000);
    // Meanwhile one moves to another room (its session changes) and one leaves for good (deleted).
    const moved = await staying.timeout(5000).emitWithAck('join', 'ops');
    expect(moved.ok).toBe(true);
    leaving.disconnect();
    // And one moves, then drops as a network would: socket.io keeps its session for recovery.
    expect((await dropping.timeout(5000).emitWithAck('join', 'ops')).ok).toBe(true);
    dropping.io.engine.close();
    await waitUntil(async () => (await connectedSockets(node.url)) === 1, 'the two clients gone');

    await redis.start();
    await node.waitForLog((line) => line.msg === 'Redis connection back', 20_000);
    const after = createClient({ url: redis.url });
    await after.connect();
    track(after, (client) => client.destroy());
    await waitUntil(
      async () => (await after.get(`relaykit:session:${pidOf(leaving)}`)) === null,
      'the delete',
    );
    await waitUntil(
      async () => (await after.get(`relaykit:session:${pidOf(staying)}`)) !== before,
      'the moved session written again',
    );
    // The dropped client's session as it dropped, in its new room, not the one before the outage.
    const dropped = await after.get(`relaykit:session:${pidOf(dropping)}`);
    expect(dropped).not.toBeNull();
    expect(dropped).not.toBe(droppingBefore);
  }, 60_000);

  it('keeps an embedding app alive that waits for acks of all nodes while Redis is away', async () => {
    const redis = await startRedis();
    const { server } = await startRelay({ redisUrl: redis.url });
    await waitUntil(async () => server.checkReadiness().ready, 'the node ready');
    await redis.stop('SIGKILL');
    await waitUntil(async () => !server.checkReadiness().ready, 'the node not ready');
    // socket.io counts the nodes first, without a handler for a failed count: that must not end the
    // process (vitest fails the run on an unhandled rejection). No client is connected: no acks to wait for.
    const io = server.io as unknown as Server;
    const answers = await io.timeout(500).emitWithAck('probe');
    expect(answers).toEqual([]);
  }, 30_000);
});
