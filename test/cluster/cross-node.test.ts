import { describe, expect, it } from 'vitest';
import type { MessageMeta, PresenceEvent } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

type Heard = [unknown, MessageMeta];
const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

describe.runIf(HAS_REDIS)('several relay nodes over Redis', () => {
  it('carries a message sent on one node to the clients of the others, room by room', async () => {
    const redis = await startRedis();
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map(() => startRelay({ redisUrl: redis.url, greeting: 'none' })),
    );
    if (!a || !b || !c) throw new Error('three nodes expected');
    expect(a.server.checkReadiness()).toMatchObject({ ready: true, checks: { redis: { ok: true } } });

    const alice = await connectClient(a.url, { auth: { name: 'alice', room: 'ops' } });
    const bob = await connectClient(b.url, { auth: { name: 'bob', room: 'ops' } });
    const carol = await connectClient(c.url, { auth: { name: 'carol' } }); // the lobby

    const bobHears = waitForEvent<Heard>(bob, 'sendMessageFromBack', { timeoutMs: 5000 });
    const aliceHears = waitForEvent<Heard>(alice, 'sendMessageFromBack', { timeoutMs: 5000 });
    const carolHears = collectEvents<Heard>(carol, 'sendMessageFromBack', 1500);
    const ack = await alice.emitWithAck('sendMessage', 'hello ops');
    expect(ack.ok).toBe(true);
    const [content, meta] = await bobHears;
    expect(content).toBe('hello ops');
    expect(meta).toMatchObject({ room: 'ops', from: { name: 'alice', kind: 'user' } });
    expect(ack.ok && meta.id).toBe(ack.ok && ack.id);
    expect((await aliceHears)[1].id).toBe(meta.id); // routing 'all': the sender hears it too
    expect(await carolHears).toEqual([]); // another room, on another node

    // Moving to a room on node B takes effect cluster-wide.
    expect(await bob.emitWithAck('join', 'random')).toEqual({ ok: true, room: 'random' });
    const bobAfterMove = collectEvents<Heard>(bob, 'sendMessageFromBack', 1500);
    expect((await alice.emitWithAck('sendMessage', 'ops only')).ok).toBe(true);
    expect(await bobAfterMove).toEqual([]);

    // An announcement published on node C (HTTP and schedules publish this way) reaches every node.
    const everyone = [alice, bob, carol].map((client) =>
      waitForEvent<Heard>(client, 'sendMessageFromBack', {
        timeoutMs: 5000,
        filter: (text) => text === 'deploy at noon',
      }),
    );
    const { id } = c.server.relay.publish('deploy at noon', {
      from: { id: 'ops', name: 'ops', kind: 'http' },
    });
    for (const heard of await Promise.all(everyone)) expect(heard[1]).toMatchObject({ id, room: null });
  });

  it('keeps the routing and greeting modes right across nodes', async () => {
    const redis = await startRedis();
    const options = { redisUrl: redis.url, routing: 'others', greeting: 'others' } as const;
    const a = await startRelay(options);
    const b = await startRelay(options);
    const alice = await connectClient(a.url, { auth: { name: 'alice' } });

    // greeting 'others': alice, on node A, is told that bob connected to node B; bob is not.
    const aliceGreeted = waitForEvent<Heard>(alice, 'sendMessageFromBack', { timeoutMs: 5000 });
    const bob = await connectClient(b.url, { auth: { name: 'bob' } });
    const bobGreeted = collectEvents<Heard>(bob, 'sendMessageFromBack', 1000);
    expect((await aliceGreeted)[1].from.kind).toBe('system');
    expect(await bobGreeted).toEqual([]);

    // routing 'others': bob's message reaches alice on the other node, not bob himself.
    const aliceHears = waitForEvent<Heard>(alice, 'sendMessageFromBack', { timeoutMs: 5000 });
    const bobHears = collectEvents<Heard>(bob, 'sendMessageFromBack', 1500);
    const ack = await bob.emitWithAck('sendMessage', 'only for the others');
    const [content, meta] = await aliceHears;
    expect(content).toBe('only for the others');
    expect(ack).toEqual({ ok: true, id: meta.id });
    expect(await bobHears).toEqual([]);
  });

  it('answers echo routing to the sender only, wherever the others are', async () => {
    const redis = await startRedis();
    const a = await startRelay({ redisUrl: redis.url, routing: 'echo', greeting: 'none' });
    const b = await startRelay({ redisUrl: redis.url, routing: 'echo', greeting: 'none' });
    const alice = await connectClient(a.url);
    const bob = await connectClient(b.url);
    const bobHears = collectEvents<Heard>(bob, 'sendMessageFromBack', 1500);
    const aliceHears = waitForEvent<Heard>(alice, 'sendMessageFromBack', { timeoutMs: 5000 });
    alice.emit('sendMessage', 'just me');
    expect((await aliceHears)[0]).toBe('just me');
    expect(await bobHears).toEqual([]);
  });

  it('lets a bot connected to any node hear every room of every node, and answer there', async () => {
    const redis = await startRedis();
    // Nodes of one cluster share their bot token, so a bot may connect to any of them.
    const options = {
      redisUrl: redis.url,
      greeting: 'none',
      botToken: 'cluster-bot-token-0123456789',
    } as const;
    const a = await startRelay(options);
    const b = await startRelay(options);
    const bot = await connectClient(b.url, { auth: { name: 'watcher', botToken: options.botToken } });

    const joined = waitForEvent<[PresenceEvent]>(bot, 'presence', { timeoutMs: 5000 });
    const hana = await connectClient(a.url, { auth: { name: 'hana', room: 'general' } });
    expect((await joined)[0]).toMatchObject({ type: 'join', room: 'general', user: { name: 'hana' } });

    const botHears = waitForEvent<Heard>(bot, 'sendMessageFromBack', { timeoutMs: 5000 });
    const ack = await hana.emitWithAck('sendMessage', '!ping');
    const [content, meta] = await botHears;
    expect(content).toBe('!ping');
    expect(meta).toMatchObject({ room: 'general', from: { name: 'hana' } });
    expect(ack).toEqual({ ok: true, id: meta.id });

    const hanaHears = waitForEvent<Heard>(hana, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (text) => text === 'pong',
    });
    const answer = await bot.emitWithAck('botMessage', 'pong', {
      room: 'general',
      causedBy: meta.id,
      hops: 1,
    });
    expect(answer.ok).toBe(true);
    expect((await hanaHears)[1]).toMatchObject({ from: { name: 'watcher', kind: 'bot' }, causedBy: meta.id });
  });

  it('lets the clients of a node that shuts down recover on another node (a rolling restart)', async () => {
    const redis = await startRedis();
    const a = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const b = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const mover = await connectClient(a.url, {
      auth: { name: 'mover', room: 'ops' },
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 200,
    });
    // Its load balancer sends it to node B from now on.
    mover.io.on('reconnect_attempt', () => {
      (mover.io as unknown as { uri: string }).uri = b.url;
    });
    const stayer = await connectClient(b.url, { auth: { name: 'stayer', room: 'ops' } });
    const first = waitForEvent<Heard>(mover, 'sendMessageFromBack', { timeoutMs: 5000 });
    expect((await stayer.emitWithAck('sendMessage', 'before the restart')).ok).toBe(true);
    await first;
    const id = mover.id;

    await a.server.close();
    const missed = await stayer.emitWithAck('sendMessage', 'while mover moves');
    const caughtUp = waitForEvent<Heard>(mover, 'sendMessageFromBack', { timeoutMs: 5000 });
    await waitForEvent(mover, 'connect', { timeoutMs: 5000 });
    expect(mover.recovered).toBe(true);
    expect(mover.id).toBe(id);
    const [content, meta] = await caughtUp;
    expect(content).toBe('while mover moves');
    expect(missed).toEqual({ ok: true, id: meta.id });
    // Still in its room, with its name, now on node B.
    const heard = waitForEvent<Heard>(stayer, 'sendMessageFromBack', { timeoutMs: 5000 });
    mover.emit('sendMessage', 'back');
    expect((await heard)[1]).toMatchObject({ room: 'ops', from: { name: 'mover' } });
  });
});
