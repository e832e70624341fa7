// The client kit after a reconnection the relay could not recover: missed messages come from the
// history, once each, in order.
import { describe, expect, it } from 'vitest';
import { createRelayClient, type RelayClient, type RelayMessage } from '../../src/client/index.js';
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

function until(received: RelayMessage[], count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (received.length >= count) resolve();
      else if (Date.now() > deadline) reject(new Error(`only ${received.length} of ${count} messages`));
      else setTimeout(check, 20);
    };
    check();
  });
}

describe('client kit gap filling', () => {
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

    const away = waitForEvent(kit.socket, 'disconnect');
    kit.socket.io.engine.close();
    await away;
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

    const away = waitForEvent(kit.socket, 'disconnect');
    kit.socket.io.engine.close();
    await away;
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

    const away = waitForEvent(kit.socket, 'disconnect');
    kit.socket.io.engine.close();
    await away;
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
});
