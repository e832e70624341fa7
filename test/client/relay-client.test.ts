import { describe, expect, it } from 'vitest';
import { type ConnectionStatus, createRelayClient, type RelayClient } from '../../src/client/index.js';
import { MAX_REFUSALS } from '../../src/relay/refusal-window.js';
import { track } from '../support/cleanup.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

function client(url: string, options: Parameters<typeof createRelayClient>[1] = {}): RelayClient {
  return track(createRelayClient(url, options), (c) => c.close());
}

function nextMessage(relayClient: RelayClient, filter: (content: unknown) => boolean = () => true) {
  return new Promise<Parameters<Parameters<RelayClient['onMessage']>[0]>[0]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 3000 ms')), 3000);
    const stop = relayClient.onMessage((message) => {
      if (!filter(message.content)) return;
      clearTimeout(timer);
      stop();
      resolve(message);
    });
  });
}

function statusBecomes(relayClient: RelayClient, wanted: ConnectionStatus) {
  if (relayClient.status === wanted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`status never became ${wanted}`)), 5000);
    const stop = relayClient.onStatus((status) => {
      if (status !== wanted) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

describe('createRelayClient', () => {
  it('connects with a name and a room and receives messages with their meta', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const john = client(url, { name: 'John', room: 'general' });
    const jane = client(url, { name: 'Jane', room: 'general' });
    const lobby = client(url, { name: 'Lobbyist' });
    await Promise.all([statusBecomes(john, 'connected'), statusBecomes(jane, 'connected')]);
    await statusBecomes(lobby, 'connected');

    const lobbyHeard: unknown[] = [];
    lobby.onMessage((message) => lobbyHeard.push(message.content));
    const received = nextMessage(jane);
    const answer = await john.send('Hello John !');
    expect(answer.ok).toBe(true);
    const { content, meta } = await received;
    expect(content).toBe('Hello John !');
    expect(meta.from).toMatchObject({ name: 'John', kind: 'user' });
    expect(meta.room).toBe('general');
    expect(answer.ok && answer.id).toBe(meta.id);

    // A later lobby message proves the room message would have arrived by now had it been sent there.
    const lobbyEcho = nextMessage(lobby, (c) => c === 'lobby only');
    await lobby.send('lobby only');
    await lobbyEcho;
    expect(lobbyHeard).toEqual(['lobby only']);
  });

  // The client's own handshake fields used to replace socket.auth whole.
  it('keeps the handshake fields of socket.auth beside its name and room', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const watcher = client(url, {
      name: 'Watcher',
      room: 'ops',
      socket: { auth: { watchPresence: true, name: 'overridden' } },
    });
    await watcher.ready();
    const joined = waitForEvent<[{ type: string; user: { name: string } }]>(watcher.socket, 'presence', {
      filter: (event) => event.type === 'join' && event.user.name === 'Kim',
    });
    await client(url, { name: 'Kim', room: 'ops' }).ready();
    await joined;
    const heard = nextMessage(watcher, (content) => content === 'who am I');
    expect((await watcher.send('who am I')).ok).toBe(true);
    expect((await heard).meta.from.name).toBe('Watcher');
  });

  // After the relay dropped a flooding client, lastError was empty and ready() waited out its timeout.
  it('says RELAY_ERR_FLOODING when the relay drops it for flooding, and ready() rejects at once', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const flooder = client(url, { name: 'Flooder', connectTimeoutMs: 10_000 });
    await flooder.ready();
    const dropped = waitForEvent(flooder.socket, 'disconnect');
    // Empty messages, each refused (RELAY_ERR_INVALID_CONTENT or RATE_LIMITED) through its ack.
    const answers = await Promise.all(Array.from({ length: MAX_REFUSALS + 1 }, () => flooder.send('')));
    await dropped;
    expect(answers.at(-1)).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_FLOODING' } });
    expect(flooder.status).toBe('disconnected');
    expect(flooder.lastError).toMatchObject({ code: 'RELAY_ERR_FLOODING' });
    const startedAt = Date.now();
    await expect(flooder.ready()).rejects.toMatchObject({ code: 'RELAY_ERR_FLOODING' });
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });

  it('says RELAY_ERR_FLOODING for a flood of refused joins too', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const flooder = client(url, { name: 'Mover' });
    await flooder.ready();
    const dropped = waitForEvent(flooder.socket, 'disconnect');
    const answers = await Promise.all(
      Array.from({ length: MAX_REFUSALS + 1 }, () => flooder.join('bad room!')),
    );
    await dropped;
    expect(answers.at(-1)).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_FLOODING' } });
    expect(flooder.lastError).toMatchObject({ code: 'RELAY_ERR_FLOODING' });
  });

  it("answers a refused message with the relay's typed error", async () => {
    const { url } = await startRelay({ greeting: 'none', maxContentBytes: 16 });
    const john = client(url, { name: 'John' });
    await statusBecomes(john, 'connected');
    const answer = await john.send('this text is longer than sixteen bytes');
    expect(answer).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_CONTENT_TOO_LARGE' } });
  });

  it('refuses to send while not connected instead of buffering the message', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const john = client(url, { name: 'John', socket: { autoConnect: false } });
    await expect(john.send('later')).rejects.toThrow(/cannot send/);
    await expect(john.send('later')).rejects.toMatchObject({ code: 'RELAY_ERR_NOT_CONNECTED' });
  });

  it('unsubscribes listeners and keeps one socket listener however many subscribe', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const john = client(url, { name: 'John' });
    await statusBecomes(john, 'connected');
    const seen: unknown[] = [];
    const stops = Array.from({ length: 5 }, () => john.onMessage((m) => seen.push(m.content)));
    expect(john.socket.listeners('sendMessageFromBack')).toHaveLength(1);
    for (const stop of stops.slice(1)) stop();
    const arrived = nextMessage(john);
    await john.send('once');
    await arrived;
    expect(seen).toEqual(['once']);
  });

  it('keeps calling the other listeners when one throws, and reports its error', async () => {
    // Node 20 has no reportError (browsers do): stand one in to see what is reported.
    const reported: unknown[] = [];
    const had = Object.getOwnPropertyDescriptor(globalThis, 'reportError');
    Object.defineProperty(globalThis, 'reportError', {
      value: (error: unknown) => reported.push(error),
      configurable: true,
      writable: true,
    });
    track(had, (descriptor) => {
      if (descriptor) Object.defineProperty(globalThis, 'reportError', descriptor);
      else Reflect.deleteProperty(globalThis, 'reportError');
    });
    const { url } = await startRelay({ greeting: 'none' });
    const john = client(url, { name: 'John' });
    john.onStatus(() => {
      throw new Error('status listener bug');
    });
    const statuses: ConnectionStatus[] = [];
    john.onStatus((status) => statuses.push(status));
    await statusBecomes(john, 'connected');
    expect(statuses).toEqual(['connected']);

    john.onMessage(() => {
      throw new Error('message listener bug');
    });
    const arrived = nextMessage(john);
    await john.send('still delivered');
    expect((await arrived).content).toBe('still delivered');
    expect(reported.map((error) => (error as Error).message)).toEqual([
      'status listener bug',
      'message listener bug',
    ]);
  });

  it('reports a refused handshake as disconnected with the relay error', async () => {
    const { url } = await startRelay();
    const bad = client(url, { name: '\u0007bell' });
    await statusBecomes(bad, 'disconnected');
    expect(bad.lastError?.code).toBe('RELAY_ERR_INVALID_NAME');
  });

  it('rejoins the room it last joined after the relay restarts on the same port', async () => {
    const first = await startRelay({ greeting: 'none' });
    const port = new URL(first.url).port;
    const john = client(first.url, {
      name: 'John',
      socket: { reconnectionDelay: 100, reconnectionDelayMax: 200 },
    });
    await statusBecomes(john, 'connected');
    expect(await john.join('ops')).toEqual({ ok: true, room: 'ops' });
    expect(john.room).toBe('ops');

    const statuses: ConnectionStatus[] = [];
    john.onStatus((status) => statuses.push(status));
    await first.server.close();
    await statusBecomes(john, 'reconnecting');
    const second = await startRelay({ greeting: 'none', port: Number(port) });
    await statusBecomes(john, 'connected');
    expect(statuses).toEqual(['reconnecting', 'connected']);

    const opsMember = client(second.url, { name: 'Jane', room: 'ops' });
    await statusBecomes(opsMember, 'connected');
    const heard = nextMessage(opsMember);
    await john.send('back in ops');
    expect((await heard).meta.room).toBe('ops');
  });

  it('close() is idempotent and leaves the socket without listeners', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const john = client(url, { name: 'John' });
    await waitForEvent(john.socket, 'connect');
    john.close();
    john.close();
    expect(john.status).toBe('disconnected');
    expect(john.socket.connected).toBe(false);
    expect(john.socket.listeners('sendMessageFromBack')).toHaveLength(0);
  });

  it('is published as the relaykit/client sub-path export', async () => {
    const kit = await import('relaykit/client');
    expect(kit.createRelayClient).toBe(createRelayClient);
  });
});
