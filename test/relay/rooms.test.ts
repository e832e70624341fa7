import { describe, expect, it } from 'vitest';
import type { MessageMeta, RoomAck } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

describe('rooms', () => {
  it('keeps room chatter in the room and lobby chatter in the lobby', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const bob = await connectClient(url, { auth: { name: 'bob', room: 'general' } });
    const carol = await connectClient(url, { auth: { name: 'carol', room: 'random' } });
    const lobby = await connectClient(url);

    const carolHears = collectEvents(carol, 'sendMessageFromBack', 400);
    const lobbyHears = collectEvents(lobby, 'sendMessageFromBack', 400);
    const bobHears = waitForEvent<[string, MessageMeta]>(bob, 'sendMessageFromBack');
    alice.emit('sendMessage', 'in general');
    const [content, meta] = await bobHears;
    expect(content).toBe('in general');
    expect(meta.room).toBe('general');
    expect(await carolHears).toEqual([]);
    expect(await lobbyHears).toEqual([]);

    const roomsHear = collectEvents(alice, 'sendMessageFromBack', 400);
    const lobbyEcho = waitForEvent<[string, MessageMeta]>(lobby, 'sendMessageFromBack');
    lobby.emit('sendMessage', 'in the lobby');
    expect((await lobbyEcho)[1].room).toBe('lobby');
    expect(await roomsHear).toEqual([]);
  });

  it('takes the first room from the query string for clients that cannot set auth', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const viaQuery = await connectClient(url, { query: { room: 'ops', name: 'querier' } });
    const inOps = await connectClient(url, { auth: { room: 'ops' } });
    const heard = waitForEvent<[string, MessageMeta]>(inOps, 'sendMessageFromBack');
    viaQuery.emit('sendMessage', 'hello ops');
    const [, meta] = await heard;
    expect(meta.room).toBe('ops');
    expect(meta.from.name).toBe('querier');
  });

  it('moves a socket with join and back to the lobby with leave', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const mover = await connectClient(url);
    const inDev = await connectClient(url, { auth: { room: 'dev' } });
    const inLobby = await connectClient(url);

    const joined = await mover.emitWithAck('join', 'dev');
    expect(joined).toEqual({ ok: true, room: 'dev' } satisfies RoomAck);
    const lobbyHears = collectEvents(inLobby, 'sendMessageFromBack', 400);
    const devHears = waitForEvent<[string]>(inDev, 'sendMessageFromBack');
    mover.emit('sendMessage', 'now in dev');
    expect((await devHears)[0]).toBe('now in dev');
    expect(await lobbyHears).toEqual([]);

    expect(await mover.emitWithAck('leave')).toEqual({ ok: true, room: 'lobby' });
    const devSilent = collectEvents(inDev, 'sendMessageFromBack', 400);
    const lobbyHearsAgain = waitForEvent<[string]>(inLobby, 'sendMessageFromBack');
    mover.emit('sendMessage', 'back in the lobby');
    expect((await lobbyHearsAgain)[0]).toBe('back in the lobby');
    expect(await devSilent).toEqual([]);
  });

  it('refuses bad room names on join and at the handshake', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const socket = await connectClient(url);
    for (const bad of ['', 'has space', 'x'.repeat(65), 'room:general', 42, null]) {
      const answer = await socket.emitWithAck('join', bad as string);
      expect(answer).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_INVALID_ROOM' } });
    }
    // A socket id is a valid-looking room name; prefixing keeps it from reaching that socket's own room.
    const other = await connectClient(url);
    const otherHears = collectEvents(other, 'sendMessageFromBack', 400);
    expect(await socket.emitWithAck('join', other.id as string)).toMatchObject({ ok: true });
    socket.emit('sendMessage', 'not for you');
    expect(await otherHears).toEqual([]);

    await expect(connectClient(url, { auth: { room: 'bad room' } })).rejects.toMatchObject({
      data: { code: 'RELAY_ERR_INVALID_ROOM' },
    });
  });
});
