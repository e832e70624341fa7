// The client kit after a reconnection the relay could not recover: missed messages come from the
// history, once each, in order.
import { describe, expect, it } from 'vitest';
import {
  createRelayClient,
  type RelayClient,
  type RelayMessage,
  type UnfilledGap,
} from '../../src/client/index.js';
import { track } from '../support/cleanup.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

function client(url: string): RelayClient {
  return track(
    createRelayClient(url, {
      name: 'kept-away',
      room: 'ops',
      socket: { transports: ['websocket'], reconnectionDelay: 300, reconnectionDelayMax: 300 },
    }),
    (c) => c.close(),
  );
}

function until(
  received: RelayMessage[],
  count: number,
  timeoutMs = 5000,
  which: (message: RelayMessage) => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (received.filter(which).length >= count) resolve();
      else if (Date.now() > deadline)
        reject(new Error(`only ${received.filter(which).length} of ${count} messages`));
      else setTimeout(check, 20);
    };
    check();
  });
}

describe('client kit gap filling', () => {
  it('tells the app when a gap cannot be filled: a relay back without its history', async () => {
    const { server, kit, received } = await kitThatSawOne({ burst: 20, perSecond: 10 });
    const unfilled: UnfilledGap[] = [];
    kit.onGapUnfilled((gap) => unfilled.push(gap));
    const seenId = received[0]?.meta.id;
    const { port } = server.address;
    const away = waitForEvent(kit.socket, 'disconnect');
    await server.close();
    await away;
    // The same address, restarted with the history turned off: what was said meanwhile is lost to it.
    const { server: restarted } = await startRelay({ greeting: 'none', port, history: false });
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    await expect.poll(() => unfilled, { timeout: 5000 }).toHaveLength(1);
    expect(unfilled[0]).toMatchObject({
      room: 'ops',
      after: seenId,
      reason: 'refused',
      error: { code: 'RELAY_ERR_HISTORY_OFF' },
    });
    // Live messages are not held behind the gap for ever: the next one arrives.
    await restarted.relay.publish('after the restart', { from: FROM, room: 'ops' }).committed;
    await until(received, 2);
    expect(received.map((message) => message.content)).toEqual(['seen live', 'after the restart']);
  });

  it('delivers every message missed while kept away past the recovery window exactly once, in order', async () => {
    // recoveryWindowMs 0: socket.io can never restore the session, as after a restart or a long outage.
    const { server } = await startRelay({ greeting: 'none', recoveryWindowMs: 0 });
    const url = `http://127.0.0.1:${(server.httpServer.address() as { port: number }).port}`;
    const kit = client(url);
    const received: RelayMessage[] = [];
    kit.onMessage((message) => received.push(message));
    await kit.ready();
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    const publish = (content: string, room: string | null = 'ops') =>
      server.relay.publish(content, { from, room }).committed;
    await publish('seen live 1');
    await publish('seen live 2');
    await until(received, 2);

    await drop(kit);
    // Published while the client is away: the room's, an announcement, and another room's (never its own).
    await publish('missed 1');
    await publish('missed to everyone', null);
    await publish('elsewhere', 'general');
    await publish('missed 2');
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    expect(kit.socket.recovered).not.toBe(true);
    await publish('after the reconnection');
    await until(received, 6);
    expect(received.map(({ content }) => content)).toEqual([
      'seen live 1',
      'seen live 2',
      'missed 1',
      'missed to everyone',
      'missed 2',
      'after the reconnection',
    ]);
    // Nothing delivered twice: a quiet moment adds nothing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(6);
  });

  // With no greeting and a quiet room the client had no message to read on from: the gap was left.
  it('fills the gap of a client that had seen no message yet', async () => {
    const { server } = await startRelay({ greeting: 'none', recoveryWindowMs: 0 });
    const url = `http://127.0.0.1:${(server.httpServer.address() as { port: number }).port}`;
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    await server.relay.publish('before the client came', { from, room: 'ops' }).committed;
    const kit = client(url);
    const received: RelayMessage[] = [];
    kit.onMessage((message) => received.push(message));
    await kit.ready();
    // Where the history stood when it came is asked at once; let that answer arrive.
    await kit.socket.timeout(2000).emitWithAck('history', { limit: 1 });

    await drop(kit);
    await server.relay.publish('missed 1', { from, room: 'ops' }).committed;
    await server.relay.publish('missed 2', { from, room: 'ops' }).committed;
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    await server.relay.publish('after the reconnection', { from, room: 'ops' }).committed;
    await until(received, 3);
    expect(received.map(({ content }) => content)).toEqual([
      'missed 1',
      'missed 2',
      'after the reconnection',
    ]);
  });

  // The gap's cursor was the newest message of any room, or where the first room stood: after a move,
  // the new room's older messages came as if missed.
  it('after a move to another room, fills only what that room said while the client was away', async () => {
    const { server } = await startRelay({ greeting: 'none', recoveryWindowMs: 0 });
    const url = `http://127.0.0.1:${(server.httpServer.address() as { port: number }).port}`;
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    await server.relay.publish('in ops, seen', { from, room: 'ops' }).committed;
    const kit = client(url);
    const received: RelayMessage[] = [];
    kit.onMessage((message) => received.push(message));
    await kit.ready();
    await server.relay.publish('in ops, live', { from, room: 'ops' }).committed;
    await until(received, 1);
    // Said in busy while the client was in ops: not for it, and not missed either.
    for (const n of [1, 2, 3])
      await server.relay.publish(`in busy before the move ${n}`, { from, room: 'busy' }).committed;
    expect(await kit.join('busy')).toMatchObject({ ok: true, room: 'busy' });
    // Where the new room stood is asked at once; let that answer arrive.
    await kit.socket.timeout(2000).emitWithAck('history', { limit: 1 });

    await drop(kit);
    await server.relay.publish('in busy, missed', { from, room: 'busy' }).committed;
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    await server.relay.publish('in busy, after the reconnection', { from, room: 'busy' }).committed;
    await until(received, 3);
    expect(received.map(({ content }) => content)).toEqual([
      'in ops, live',
      'in busy, missed',
      'in busy, after the reconnection',
    ]);
  });

  it('fills a gap of up to 20 000 messages and reports one longer as too long', {
    timeout: 60_000,
  }, async () => {
    const { server } = await startRelay({
      greeting: 'none',
      recoveryWindowMs: 0,
      rateLimit: { burst: 1000, perSecond: 1000 },
      history: { maxMessagesPerRoom: 30_000 },
    });
    const kit = client(server.address.url);
    const received: RelayMessage[] = [];
    const unfilled: UnfilledGap[] = [];
    kit.onMessage((message) => received.push(message));
    kit.onGapUnfilled((gap) => unfilled.push(gap));
    await kit.ready();
    await published(kit, server, 'seen live', received);

    // Publishing 20 000 messages outlasts a reconnection delay: the kit stays away until they are in.
    const away = async () => {
      const gone = waitForEvent(kit.socket, 'disconnect');
      kit.socket.disconnect();
      await gone;
    };
    const back = async () => {
      const connected = waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
      kit.socket.connect();
      await connected;
    };
    // At the limit: 100 pages of 200 read it all, and nothing is reported.
    await away();
    const first = await publishMany(server, 'ops', 20_000);
    await back();
    await until(received, 20_001, 30_000);
    expect(received.slice(1).map(({ content }) => content)).toEqual(first);
    expect(unfilled).toEqual([]);
    await server.relay.publish('after the first gap', { from: FROM, room: 'ops' }).committed;
    await until(received, 20_002);

    // One past it: the fill stops after 20 000, says so, and delivers what was held.
    await away();
    const second = await publishMany(server, 'ops', 20_001);
    await back();
    await expect.poll(() => unfilled, { timeout: 30_000 }).toHaveLength(1);
    const lastRead = received.at(-1);
    expect(lastRead?.content).toBe(second[19_999]);
    expect(unfilled[0]).toEqual({ room: 'ops', after: lastRead?.meta.id, reason: 'too-long' });
  });

  // A long gap spends the socket's rate limit: the kit gave up at the first RELAY_ERR_RATE_LIMITED page,
  // delivered what it held and moved its cursor past what it never read.
  it('reads a gap longer than the rate limit allows at once, asking again after the wait the relay names', async () => {
    // A burst of 2 history reads, refilled at 10 a second: the gap's 6 pages meet the limit.
    const { server, kit, received } = await kitThatSawOne({ burst: 2, perSecond: 10 });

    await drop(kit);
    const missed = await publishMany(server, 'ops', 700);
    const announced = await publishMany(server, null, 400);
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    await server.relay.publish('after the reconnection', { from: FROM, room: 'ops' }).committed;
    await until(received, 1102, 15_000);
    const contents = received.map(({ content }) => content);
    expect(contents).toEqual(['seen live', ...interleaved(missed, announced), 'after the reconnection']);
    expect(new Set(received.map(({ meta }) => meta.id)).size).toBe(received.length);
  });

  // A drop in the middle of a fill released what was held: the newest id moved past the pages never
  // read, and the next connection filled nothing.
  it('goes on with a fill that a drop cut short at the next connection', async () => {
    const { server, kit, received } = await kitThatSawOne({ burst: 1, perSecond: 2 });

    await drop(kit);
    const missed = await publishMany(server, 'ops', 600);
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    // The first page is in; the second waits for the rate limit. Something is said live meanwhile.
    await until(received, 201);
    await server.relay.publish('said during the fill', { from: FROM, room: 'ops' }).committed;
    await drop(kit);
    // Still held: the fill was cut short, not finished, when the connection dropped.
    expect(received.map(({ content }) => content)).not.toContain('said during the fill');
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    await until(received, 602, 15_000);
    expect(received.map(({ content }) => content)).toEqual(['seen live', ...missed, 'said during the fill']);
  });

  // Pages were read from whatever room the socket was in: after a join during a fill, the new room's
  // older messages came as if missed.
  it('stops filling the old room at a move, and never reads the new room from the old cursor', async () => {
    const { server } = await startRelay({ greeting: 'none', recoveryWindowMs: 0 });
    const kit = client(server.address.url);
    const received: RelayMessage[] = [];
    let moving: Promise<unknown> | undefined;
    kit.onMessage((message) => {
      received.push(message);
      // Right after the fill's first page, as it asks for the next one.
      if (received.length === 201) moving = kit.join('busy');
    });
    await kit.ready();
    await published(kit, server, 'seen live', received);

    await drop(kit);
    await publishMany(server, 'ops', 1000);
    await publishMany(server, 'busy', 5);
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    await until(received, 201);
    expect(await moving).toMatchObject({ ok: true, room: 'busy' });
    await server.relay.publish('in busy, after the move', { from: FROM, room: 'busy' }).committed;
    await until(received, 1, 5000, (m) => m.content === 'in busy, after the move');
    const busy = received.filter(({ meta }) => meta.room === 'busy').map(({ content }) => content);
    expect(busy).toEqual(['in busy, after the move']);
    // 'seen live' and the first page, or the second too when it was answered before the join: the
    // page asked before the move may come back either side of it; none asked after it is read.
    expect([201, 401]).toContain(received.filter(({ meta }) => meta.room === 'ops').length);
  });

  // A page refused for the rate limit kept being asked again for the old room after a move, spending
  // the tokens the new room's reads need.
  it('asks nothing more of the old room once moved, even a page waiting to be asked again', async () => {
    const { server, kit, received } = await kitThatSawOne({ burst: 1, perSecond: 2 });
    await drop(kit);
    await publishMany(server, 'ops', 1000);
    await publishMany(server, null, 1000);
    await waitForEvent(kit.socket, 'connect', { timeoutMs: 5000 });
    await until(received, 201);
    let moved = await kit.join('busy');
    while (!moved.ok && moved.error.retryAfterMs !== undefined) {
      const { retryAfterMs } = moved.error;
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
      moved = await kit.join('busy');
    }
    expect(moved).toMatchObject({ ok: true, room: 'busy' });
    const asked: Array<{ room?: string }> = [];
    kit.socket.onAnyOutgoing((event, request) => {
      if (event === 'history') asked.push(request as { room?: string });
    });
    // Longer than any wait of a page refused at 2 tokens a second (at most 1 s after two refusals).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(asked.filter((request) => request.room === 'ops')).toEqual([]);
  });
});

const FROM = { id: 'ops', name: 'ops', kind: 'http' } as const;

// A relay that never recovers a session (as after a restart), and a kit in ops that has seen one message.
async function kitThatSawOne(rateLimit: { burst: number; perSecond: number }) {
  const { server } = await startRelay({ greeting: 'none', recoveryWindowMs: 0, rateLimit });
  const kit = client(server.address.url);
  const received: RelayMessage[] = [];
  kit.onMessage((message) => received.push(message));
  await kit.ready();
  await published(kit, server, 'seen live', received);
  return { server, kit, received };
}

// Cuts the kit's connection, as a network drop would; socket.io reconnects by itself.
async function drop(kit: RelayClient): Promise<void> {
  const away = waitForEvent(kit.socket, 'disconnect');
  kit.socket.io.engine.close();
  await away;
}

async function published(
  kit: RelayClient,
  server: Awaited<ReturnType<typeof startRelay>>['server'],
  content: string,
  received: RelayMessage[],
): Promise<void> {
  await server.relay.publish(content, { from: FROM, room: kit.room ?? null }).committed;
  await until(received, 1);
}

// Published in turns of 100, as HTTP batches would be: answers the contents in publish order.
async function publishMany(
  server: Awaited<ReturnType<typeof startRelay>>['server'],
  room: string | null,
  count: number,
): Promise<string[]> {
  const contents = Array.from({ length: count }, (_, i) => `${room ?? 'everyone'} ${i}`);
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      contents
        .slice(i, i + 100)
        .map((content) => server.relay.publish(content, { from: FROM, room }).committed),
    );
  }
  return contents;
}

// publishMany's two series were published one after the other: room messages first, then everyone's.
const interleaved = (first: string[], second: string[]): string[] => [...first, ...second];
