// Join/leave events by user, for the clients that ask for them; seed clients get none.

import { once } from 'node:events';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { describe, expect, it } from 'vitest';
import type { MessageSender, PresenceEvent } from '../../src/index.js';
import { RoomPresence } from '../../src/relay/room-presence.js';
import { actAsUsers } from '../support/act-as-user.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

const presence = (type: PresenceEvent['type'], name: string, room: string) => (event: PresenceEvent) =>
  event.type === type && event.user.name === name && event.room === room;

describe('presence events', () => {
  it('tells a client that asked (auth.watchPresence) who joins and leaves its room, and a seed client nothing', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const watcher = await connectClient(url, { auth: { name: 'w', room: 'ops', watchPresence: true } });
    const seed = await connectClient(url, { auth: { name: 'seed', room: 'ops' } });
    const seedHears = collectEvents(seed, 'presence', 800);

    const joined = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('join', 'ann', 'ops'),
    });
    const ann = await connectClient(url, { auth: { name: 'ann', room: 'ops' } });
    expect((await joined)[0]).toMatchObject({ user: { userId: `anon:${ann.id}`, kind: 'user' } });
    const left = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('leave', 'ann', 'ops'),
    });
    ann.disconnect();
    await left;
    expect(await seedHears).toEqual([]);
  });

  it('announces a user with two tabs once, and their leave only when the last tab closed', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    actAsUsers(server);
    const watcher = await connectClient(url, { auth: { room: 'ops', watchPresence: true } });
    const events = collectEvents<[PresenceEvent]>(watcher, 'presence', 1500);
    const auth = { name: 'zoe', room: 'ops', testUserId: 'u-zoe' };
    const first = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('join', 'zoe', 'ops'),
    });
    const tab1 = await connectClient(url, { auth });
    await first;
    const tab2 = await connectClient(url, { auth });
    tab1.disconnect();
    // A leave at the first tab's close would show in `seen` below as a second leave.
    expect(await tab2.emitWithAck('members', {})).toMatchObject({ total: 2 }); // zoe and the watcher
    const last = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('leave', 'zoe', 'ops'),
    });
    tab2.disconnect();
    expect((await last)[0].user.userId).toBe('u-zoe');
    const seen = (await events).map(([event]) => `${event.type} ${event.user.name}`);
    expect(seen).toEqual(['join zoe', 'leave zoe']);
  });

  it('announces a recovered connection again, as resumed, after the leave its drop was announced as', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const watcher = await connectClient(url, { auth: { name: 'w', room: 'ops', watchPresence: true } });
    const joined = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('join', 'ann', 'ops'),
    });
    const ann = await connectClient(url, {
      auth: { name: 'ann', room: 'ops' },
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 100,
    });
    expect((await joined)[0].resumed).toBeUndefined();
    // Recovery needs an offset: ann must have received a broadcast first.
    const heard = waitForEvent(ann, 'sendMessageFromBack');
    watcher.emit('sendMessage', 'hello');
    await heard;

    const left = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('leave', 'ann', 'ops'),
    });
    const back = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('join', 'ann', 'ops'),
      timeoutMs: 5000,
    });
    ann.io.engine.close(); // the network goes away for a moment
    await left;
    await waitForEvent(ann, 'connect', { timeoutMs: 5000 });
    expect(ann.recovered).toBe(true);
    expect((await back)[0]).toMatchObject({ type: 'join', resumed: true, user: { name: 'ann' } });
    expect(await watcher.emitWithAck('members', {})).toMatchObject({ total: 2 });
  });

  it('follows the room a watcher moves to, and reports moves of others as a leave and a join', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const watcher = await connectClient(url, { auth: { room: 'a', watchPresence: true } });
    const mover = await connectClient(url, { auth: { name: 'mover', room: 'a' } });
    const leaves = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('leave', 'mover', 'a'),
    });
    await mover.emitWithAck('join', 'b');
    await leaves;
    expect(await watcher.emitWithAck('join', 'b')).toEqual({ ok: true, room: 'b' });
    const hearsA = collectEvents<[PresenceEvent]>(watcher, 'presence', 600);
    const joinsB = waitForEvent<[PresenceEvent]>(watcher, 'presence', {
      filter: presence('join', 'late', 'b'),
    });
    await connectClient(url, { auth: { name: 'late', room: 'b' } });
    await connectClient(url, { auth: { name: 'in-a', room: 'a' } });
    await joinsB;
    expect((await hearsA).map(([event]) => event.room)).not.toContain('a');
  });

  it('keeps one count per (room, user) with sockets on the node, freed with the last one', async () => {
    // A real socket.io server whose connections enter and leave rooms through RoomPresence.
    const http = createServer();
    const io = track(new Server(http), (server) => server.close());
    const rooms = new RoomPresence();
    io.on('connection', (socket) => {
      const { room, userId } = socket.handshake.auth as { room: string; userId: string };
      socket.data = { name: userId, kind: 'user', userId, room };
      const user = { id: socket.id, name: userId, kind: 'user', userId } satisfies MessageSender;
      rooms.entered(socket as never, user, {});
      socket.on('disconnect', () => rooms.left(socket as never, user, room));
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const { port } = http.address() as { port: number };
    const url = `http://127.0.0.1:${port}`;
    const clients = await Promise.all(
      [
        { room: 'r1', userId: 'u1' },
        { room: 'r1', userId: 'u1' },
        { room: 'r2', userId: 'u2' },
      ].map((auth) => connectClient(url, { auth })),
    );
    expect(rooms.size).toBe(2);
    for (const client of clients) client.disconnect();
    const deadline = Date.now() + 3000;
    while (rooms.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rooms.size).toBe(0);
  });
});
