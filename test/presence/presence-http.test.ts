// GET /v1/rooms/{room}/members and POST /v1/users/{id}/messages, bad input included.
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { PUBLISHER, problemOf, startApiRelay } from '../http/api-relay.js';
import { actAsUsers } from '../support/act-as-user.js';
import { connectClient } from '../support/connect-client.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

type Heard = [unknown, MessageMeta];

describe('presence over HTTP', () => {
  it('lists the members of a room with the read scope, one per user', async () => {
    const { server, url, send } = await startApiRelay();
    actAsUsers(server);
    const auth = { name: 'zoe', room: 'ops', testUserId: 'u-zoe' };
    await connectClient(url, { auth });
    await connectClient(url, { auth });
    const response = await send('/v1/rooms/ops/members', { method: 'GET', token: 'ops-s3cr3t' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      room: 'ops',
      members: [{ userId: 'u-zoe', name: 'zoe', kind: 'user' }],
      total: 1,
      partial: false,
    });
  });

  it('answers bad member requests with problems', async () => {
    const { send } = await startApiRelay();
    const badRoom = await send('/v1/rooms/bad%20room/members', { method: 'GET', token: 'ops-s3cr3t' });
    expect(badRoom.status).toBe(400);
    expect(await problemOf(badRoom)).toMatchObject({ code: 'RELAY_ERR_INVALID_ROOM' });
    // The publish token has no read scope.
    const publisher = await send('/v1/rooms/ops/members', { method: 'GET' });
    expect(publisher.status).toBe(403);
    expect(await problemOf(publisher)).toMatchObject({ code: 'RELAY_ERR_FORBIDDEN' });
    const anonymous = await send('/v1/rooms/ops/members', { method: 'GET', token: null });
    expect(anonymous.status).toBe(401);
    await problemOf(anonymous);
  });

  it('sends a private message to every connection of a user and nobody else, 202 with its id', async () => {
    const { server, url, send } = await startApiRelay();
    actAsUsers(server);
    const tabs = await Promise.all(
      ['ops', 'random'].map((room) =>
        connectClient(url, { auth: { name: 'zoe', room, testUserId: 'u:zoe' } }),
      ),
    );
    const bob = await connectClient(url, { auth: { name: 'bob', room: 'ops' } });
    const bobHears = collectEvents<Heard>(bob, 'sendMessageFromBack', 800);
    const heard = tabs.map((tab) => waitForEvent<Heard>(tab, 'sendMessageFromBack'));
    const response = await send(`/v1/users/${encodeURIComponent('u:zoe')}/messages`, {
      body: { content: 'your build failed', room: 'ops' },
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; to: string; room: string; from: { kind: string } };
    expect(body).toMatchObject({ to: 'u:zoe', room: 'ops', from: { kind: 'http', userId: 'http:ci' } });
    for (const [content, meta] of await Promise.all(heard)) {
      expect(content).toBe('your build failed');
      expect(meta).toMatchObject({ id: body.id, to: 'u:zoe' });
    }
    expect(await bobHears).toEqual([]);
    // An offline user: accepted all the same, nothing is queued.
    const offline = await send('/v1/users/nobody/messages', { body: { content: 'hello?' } });
    expect(offline.status).toBe(202);
    const history = await send('/v1/rooms/ops/messages', { method: 'GET', token: 'ops-s3cr3t' });
    expect(((await history.json()) as { messages: unknown[] }).messages).toEqual([]);
  });

  it('answers bad private messages with problems naming the field', async () => {
    const { send } = await startApiRelay({
      api: { tokens: [PUBLISHER, 'viewer:viewer-s3cr3t:read'] },
    });
    const problem = async (path: string, init: Parameters<typeof send>[1]) => {
      const response = await send(path, init);
      return { status: response.status, ...(await problemOf(response)) };
    };
    expect(await problem('/v1/users/u/messages', { body: { content: '' } })).toMatchObject({
      status: 400,
      code: 'RELAY_ERR_INVALID_CONTENT',
      field: 'content',
    });
    expect(await problem('/v1/users/u/messages', { body: { content: 'x', room: 'no room' } })).toMatchObject({
      status: 400,
      code: 'RELAY_ERR_INVALID_ROOM',
      field: 'room',
    });
    expect(await problem('/v1/users/u/messages', { body: { content: 'x', to: 'other' } })).toMatchObject({
      status: 400,
      code: 'RELAY_ERR_INVALID_REQUEST',
      field: 'to',
    });
    expect(await problem('/v1/users/u/messages', { body: ['x'] })).toMatchObject({
      status: 400,
      field: 'body',
    });
    expect(await problem('/v1/users/u/messages', { raw: '{"content":' })).toMatchObject({
      status: 400,
      code: 'RELAY_ERR_MALFORMED_JSON',
    });
    // A user id at the limit of 200 characters, and one past it.
    const longest = await send(`/v1/users/${'u'.repeat(200)}/messages`, { body: { content: 'x' } });
    expect(longest.status).toBe(202);
    expect(await problem(`/v1/users/${'u'.repeat(201)}/messages`, { body: { content: 'x' } })).toMatchObject({
      status: 400,
      code: 'RELAY_ERR_INVALID_USER_ID',
      field: 'userId',
    });
    expect(await problem('/v1/users/bad%0Aid/messages', { body: { content: 'x' } })).toMatchObject({
      code: 'RELAY_ERR_INVALID_USER_ID',
    });
    // Sending needs the publish scope.
    expect(await problem('/v1/users/u/messages', { body: { content: 'x' }, token: null })).toMatchObject({
      status: 401,
    });
    expect(
      await problem('/v1/users/u/messages', { body: { content: 'x' }, token: 'viewer-s3cr3t' }),
    ).toMatchObject({ status: 403, code: 'RELAY_ERR_FORBIDDEN' });
  });
});
