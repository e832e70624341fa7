// Presence and private messages across two relay nodes over a real Redis.
import { describe, expect, it } from 'vitest';
import type { MembersAck, MessageMeta, PresenceEvent } from '../../src/index.js';
import { startNode } from '../cluster/relay-node.js';
import { actAsUsers } from '../support/act-as-user.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

type Heard = [unknown, MessageMeta];
const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

async function twoNodes() {
  const redis = await startRedis();
  const a = await startRelay({ redisUrl: redis.url, greeting: 'none' });
  const b = await startRelay({ redisUrl: redis.url, greeting: 'none' });
  actAsUsers(a.server);
  actAsUsers(b.server);
  return { a, b };
}

// Asks until `accept` holds for the answer (a node learns of the others from their heartbeats).
async function membersUntil(client: TestClient, accept: (answer: MembersAck & { ok: true }) => boolean) {
  const deadline = Date.now() + 8000;
  for (;;) {
    const answer = (await client.emitWithAck('members', {})) as MembersAck & { ok: true };
    if (accept(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const names = (answer: MembersAck & { ok: true }) => answer.members.map((member) => member.name).join(',');

describe.runIf(HAS_REDIS)('presence across nodes', () => {
  it('lists the members of every node, a user with tabs on two nodes once', { timeout: 30_000 }, async () => {
    const { a, b } = await twoNodes();
    const zoe = { name: 'zoe', room: 'ops', testUserId: 'u-zoe' };
    const onA = await connectClient(a.url, { auth: zoe });
    await connectClient(b.url, { auth: zoe });
    await connectClient(b.url, { auth: { name: 'bob', room: 'ops' } });
    const answer = await membersUntil(onA, (page) => page.total === 2);
    expect(answer).toMatchObject({ ok: true, room: 'ops', total: 2, partial: false });
    expect(names(answer)).toBe('bob,zoe');
  });

  it('sends a leave only when the last tab on any node left, and joins of other nodes', {
    timeout: 30_000,
  }, async () => {
    const { a, b } = await twoNodes();
    const watcher = await connectClient(a.url, { auth: { name: 'w', room: 'ops', watchPresence: true } });
    const zoe = { name: 'zoe', room: 'ops', testUserId: 'u-zoe' };
    const joined = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      timeoutMs: 8000,
      filter: (event) => event.type === 'join' && event.user.userId === 'u-zoe',
    });
    const tabB = await connectClient(b.url, { auth: zoe });
    await joined;
    const tabA = await connectClient(a.url, { auth: zoe });
    await membersUntil(watcher, (page) => page.total === 2);
    const leaves = collectEvents<[PresenceEvent]>(watcher, 'presence', 1500);
    tabB.disconnect();
    // Node B asks node A, which still has zoe's other tab: no leave.
    expect((await leaves).filter(([event]) => event.type === 'leave')).toEqual([]);
    const left = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      timeoutMs: 5000,
      filter: (event) => event.type === 'leave' && event.user.userId === 'u-zoe',
    });
    tabA.disconnect();
    expect((await left)[0]).toMatchObject({ room: 'ops', user: { name: 'zoe' } });
  });

  it('delivers a private message to every tab of the user on every node, and to nobody else', {
    timeout: 30_000,
  }, async () => {
    const { a, b } = await twoNodes();
    const zoe = { name: 'zoe', room: 'ops', testUserId: 'u-zoe' };
    const tabs = [await connectClient(a.url, { auth: zoe }), await connectClient(b.url, { auth: zoe })];
    const bob = await connectClient(b.url, { auth: { name: 'bob', room: 'ops' } });
    // Both nodes know of each other once A lists B's people.
    await membersUntil(tabs[0] as TestClient, (page) => page.total === 2);
    const bobHears = collectEvents<Heard>(bob, 'sendMessageFromBack', 1500);
    const heard = tabs.map((tab) => waitForEvent<Heard>(tab, 'sendMessageFromBack', { timeoutMs: 5000 }));
    const published = a.server.relay.publish('only zoe', {
      from: { id: 'ops', name: 'ops', kind: 'http' },
      to: 'u-zoe',
    });
    await published.committed;
    for (const [content, meta] of await Promise.all(heard)) {
      expect(content).toBe('only zoe');
      expect(meta).toMatchObject({ id: published.id, to: 'u-zoe' });
    }
    expect(await bobHears).toEqual([]);
  });

  it("lists this node's people, partial, when another node does not answer", {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis();
    const a = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const frozen = await startNode(redis.url);
    const ann = await connectClient(a.url, { auth: { name: 'ann', room: 'ops' } });
    const watcher = await connectClient(a.url, { auth: { name: 'w', room: 'ops', watchPresence: true } });
    await connectClient(frozen.url, { auth: { name: 'far', room: 'ops' } });
    expect(names(await membersUntil(ann, (page) => page.total === 3))).toBe('ann,far,w');
    // Stopped, not dead: node A still counts it for its heartbeat timeout and waits for its answer.
    frozen.child.kill('SIGSTOP');
    const answer = (await ann.emitWithAck('members', {})) as MembersAck & { ok: true };
    expect(answer).toMatchObject({ ok: true, partial: true, total: 2 });
    expect(names(answer)).toBe('ann,w');
    // A leave cannot be checked with the stopped node: it is sent once the question times out.
    const left = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      timeoutMs: 8000,
      filter: (event) => event.type === 'leave' && event.user.name === 'ann',
    });
    ann.disconnect();
    await left;
    frozen.child.kill('SIGKILL');
  });
});
