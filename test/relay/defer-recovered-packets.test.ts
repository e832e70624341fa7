// What a recovered session missed goes to the client only once the handshake checks accept it: socket.io
// sends it from the Socket's constructor, before any middleware, so a refused client used to get it.
import { describe, expect, it } from 'vitest';
import { now, signToken, startJwtRelay } from '../auth/jwt-relay.js';
import { claimSession, connectFollowed, contents, say } from '../support/claim-session.js';
import { connectClient } from '../support/connect-client.js';
import { gate } from '../support/gate.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const SERVICE = { id: 'svc', name: 'svc', kind: 'http' } as const;

describe('recovering a session', () => {
  it('sends nothing the session missed to a client the checks refuse, and all of it to the user', async () => {
    const { url, server } = await startJwtRelay();
    const { socket: ann, session } = await connectFollowed(url, { token: await signToken({ sub: 'u-ann' }) });
    await say(ann, 'ann was here');
    ann.io.engine.close(); // a transport close: the session is kept for recovery
    await expect.poll(() => server.io.of('/').sockets.size).toBe(0);
    const bob = await connectClient(url, { auth: { token: await signToken({ sub: 'u-bob' }) } });
    await say(bob, 'while ann is away');
    await server.relay.publish('private to ann', { from: SERVICE, room: 'lobby', to: 'u-ann' }).committed;

    for (const auth of [
      {},
      { token: await signToken({ sub: 'u-ann', exp: now() - 3600 }) },
      { token: await signToken({ sub: 'u-mallory' }) },
      { token: 'x.y.z' },
    ]) {
      const { outcome, events, socket } = await claimSession(url, session, auth);
      expect(outcome).toBe('RELAY_ERR_UNAUTHENTICATED');
      expect(session.pid).not.toBe('');
      expect(events).toEqual([]);
      socket.disconnect();
    }

    const { outcome, events } = await claimSession(url, session, {
      token: await signToken({ sub: 'u-ann' }),
    });
    expect(outcome).toBe('recovered');
    expect(contents(events)).toEqual(['while ann is away', 'private to ann']);
  });

  it('also sends what was published while the checks ran, once and in order', async () => {
    const { url, server } = await startRelay({ greeting: 'none' });
    let hold: Promise<void> = Promise.resolve();
    let reached = () => {};
    server.authenticateWith(async () => {
      reached();
      await hold;
      return { userId: 'u-ann', name: 'Ann' };
    });
    const { socket: ann, session } = await connectFollowed(url, { token: 't' });
    await say(ann, 'before the drop');
    ann.io.engine.close();
    await expect.poll(() => server.io.of('/').sockets.size).toBe(0);
    await server.relay.publish('while away', { from: SERVICE, room: 'lobby' }).committed;

    const bob = await connectClient(url, { auth: { token: 't' } });
    const checking = gate();
    const inCheck = gate();
    hold = checking.promise;
    reached = inCheck.open;
    const claimed = claimSession(url, session, { token: 't' });
    await inCheck.promise;
    // Delivered (Bob hears it) while Ann's socket is still being checked.
    const delivered = waitForEvent(bob, 'sendMessageFromBack', { filter: (c) => c === 'while checking' });
    await server.relay.publish('while checking', { from: SERVICE, room: 'lobby' }).committed;
    await delivered;
    checking.open();
    const { outcome, events } = await claimed;
    expect(outcome).toBe('recovered');
    await server.relay.publish('after', { from: SERVICE, room: 'lobby' }).committed;
    await expect.poll(() => contents(events)).toEqual(['while away', 'while checking', 'after']);
  });

  it('recovers a session once: claimed again while the first claim is connected, it is a new session', async () => {
    const { url, server } = await startRelay({ greeting: 'none' });
    const { socket: ann, session } = await connectFollowed(url, { name: 'ann' });
    await say(ann, 'before the drop');
    ann.io.engine.close();
    await expect.poll(() => server.io.of('/').sockets.size).toBe(0);
    await server.relay.publish('while away', { from: SERVICE, room: 'lobby' }).committed;
    const first = await claimSession(url, session, { name: 'ann' });
    expect(first.outcome).toBe('recovered');
    expect(contents(first.events)).toEqual(['while away']);
    const again = await claimSession(url, session, { name: 'ann' });
    expect(again.outcome).toBe('connected');
    expect(contents(again.events)).toEqual([]);
  });
});
