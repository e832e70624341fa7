import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { grantsRoom, isRoomGrant } from '../../src/relay/room-grants.js';
import { connectClient } from '../support/connect-client.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';
import { signToken, startJwtRelay } from './jwt-relay.js';

const forbidden = (room: string) => ({
  ok: false,
  error: { code: 'RELAY_ERR_FORBIDDEN', message: expect.stringContaining(`room "${room}"`) },
});

describe('jwt auth mode: room permissions', () => {
  it('lets a person join, send to and read only the rooms their token grants', async () => {
    const { url } = await startJwtRelay();
    const token = await signToken({ rooms: ['lobby', 'team-*'] });
    const ann = await connectClient(url, { auth: { token } });
    expect(await ann.emitWithAck('join', 'team-ops')).toEqual({ ok: true, room: 'team-ops' });
    expect(await ann.emitWithAck('sendMessage', 'hi team')).toMatchObject({ ok: true });
    expect(await ann.emitWithAck('history', { room: 'team-ops' })).toMatchObject({ ok: true });
    expect(await ann.emitWithAck('join', 'payroll')).toEqual(forbidden('payroll'));
    expect(await ann.emitWithAck('history', { room: 'payroll' })).toEqual(forbidden('payroll'));
    expect(await ann.emitWithAck('members', { room: 'team-ops' })).toMatchObject({ ok: true, total: 1 });
    expect(await ann.emitWithAck('members', { room: 'payroll' })).toEqual(forbidden('payroll'));
    // A refused join leaves the person where they were.
    expect(await ann.emitWithAck('sendMessage', 'still in team-ops')).toMatchObject({ ok: true });
    expect(await ann.emitWithAck('leave')).toEqual({ ok: true, room: 'lobby' });
  });

  it('refuses a first room the token does not grant, and starts in its first named room without one', async () => {
    const { url } = await startJwtRelay();
    const token = await signToken({ rooms: ['team-*', 'ops'] });
    await expect(connectClient(url, { auth: { token, room: 'payroll' } })).rejects.toMatchObject({
      data: { code: 'RELAY_ERR_FORBIDDEN', message: expect.stringContaining('room "payroll"') },
    });
    // Not granted the lobby: a client that names no room lands in "ops", where its messages go.
    const ann = await connectClient(url, { auth: { token } });
    const heard = waitForEvent<[string, MessageMeta]>(ann, 'sendMessageFromBack');
    ann.emit('sendMessage', 'hello');
    expect((await heard)[1].room).toBe('ops');
    // ... and leaving for the lobby is a join of the lobby: refused.
    expect(await ann.emitWithAck('leave')).toEqual(forbidden('lobby'));
    // A token that grants only patterns has no room to start in: it must name one.
    await expect(
      connectClient(url, { auth: { token: await signToken({ rooms: ['team-*'] }) } }),
    ).rejects.toMatchObject({
      data: { code: 'RELAY_ERR_FORBIDDEN', message: expect.stringContaining('auth.room') },
    });
    await connectClient(url, { auth: { token: await signToken({ rooms: ['team-*'] }), room: 'team-a' } });
    // One that grants none is told so, not to name a room (any would be refused).
    await expect(
      connectClient(url, { auth: { token: await signToken({ rooms: [] }) } }),
    ).rejects.toMatchObject({
      data: { code: 'RELAY_ERR_FORBIDDEN', message: expect.stringContaining('rooms claim is empty') },
    });
  });

  it('keeps a person out of a room they cannot join: they never hear it', async () => {
    const { url } = await startJwtRelay();
    const insider = await connectClient(url, {
      auth: { token: await signToken({ sub: 'u-in' }), room: 'secret' },
    });
    const outsider = await connectClient(url, {
      auth: { token: await signToken({ sub: 'u-out', rooms: ['lobby'] }) },
    });
    expect(await outsider.emitWithAck('join', 'secret')).toEqual(forbidden('secret'));
    const overheard = collectEvents(outsider, 'sendMessageFromBack', 300);
    expect(await insider.emitWithAck('sendMessage', 'psst')).toMatchObject({ ok: true });
    expect(await overheard).toEqual([]);
  });

  it('refuses a token whose room patterns try to escape the room alphabet', async () => {
    const { url } = await startJwtRelay();
    for (const grant of [
      '*-admin',
      'team-*-x',
      '(.*)',
      'team-**',
      'room:general',
      'team/*',
      '',
      'a'.repeat(65),
      7,
    ]) {
      await expect(
        connectClient(url, { auth: { token: await signToken({ rooms: [grant] }) } }),
        JSON.stringify(grant),
      ).rejects.toMatchObject({
        data: { code: 'RELAY_ERR_UNAUTHENTICATED', message: expect.stringContaining('claim "rooms" item 0') },
      });
    }
  });

  it('matches grants as names or string prefixes, never as regular expressions', () => {
    expect(isRoomGrant('*')).toBe(true);
    expect(isRoomGrant(`${'a'.repeat(63)}*`)).toBe(true);
    expect(isRoomGrant(`${'a'.repeat(64)}*`)).toBe(false);
    expect(isRoomGrant('a'.repeat(64))).toBe(true);
    expect(grantsRoom(['team-*'], 'team-')).toBe(true);
    expect(grantsRoom(['team-*'], 'teamx')).toBe(false);
    expect(grantsRoom(['t.am'], 'team')).toBe(false);
    expect(grantsRoom(['*'], 'anything')).toBe(true);
    expect(grantsRoom([], 'lobby')).toBe(false);
    expect(grantsRoom(undefined, 'lobby')).toBe(true);
  });
});
