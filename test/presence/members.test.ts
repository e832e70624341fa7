// Who is online in a room: the `members` socket request, one entry per user however many tabs.
import { describe, expect, it } from 'vitest';
import type { MembersAck, WireError } from '../../src/index.js';
import { listMembers } from '../../src/relay/list-members.js';
import { actAsUsers } from '../support/act-as-user.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

describe('members', () => {
  it('lists the people of a room once per user, sorted by name, however many tabs they have', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    actAsUsers(server);
    const tab1 = await connectClient(url, { auth: { name: 'zoe', room: 'ops', testUserId: 'u-zoe' } });
    await connectClient(url, { auth: { name: 'zoe', room: 'ops', testUserId: 'u-zoe' } });
    const ann = await connectClient(url, { auth: { name: 'ann', room: 'ops' } });
    await connectClient(url, { auth: { name: 'elsewhere', room: 'random' } });

    const answer = await tab1.emitWithAck('members', {});
    expect(answer).toEqual({
      ok: true,
      room: 'ops',
      members: [
        { userId: `anon:${ann.id}`, name: 'ann', kind: 'user' },
        { userId: 'u-zoe', name: 'zoe', kind: 'user' },
      ],
      total: 2,
      partial: false,
    });
    // Another room, by name; and a room nobody is in.
    const random = (await ann.emitWithAck('members', { room: 'random' })) as MembersAck & { ok: true };
    expect(random.members.map((member) => member.name)).toEqual(['elsewhere']);
    expect(await ann.emitWithAck('members', { room: 'empty' })).toMatchObject({ members: [], total: 0 });
  });

  it('lists at most `max` people, at the limit and one past it, with total counting them all', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    await connectClient(url, { auth: { name: 'a', room: 'cap' } });
    await connectClient(url, { auth: { name: 'b', room: 'cap' } });
    const atLimit = await listMembers(server.io, 'cap', { max: 2 });
    expect(atLimit).toMatchObject({ total: 2, partial: false });
    expect(atLimit.members.map((member) => member.name)).toEqual(['a', 'b']);
    await connectClient(url, { auth: { name: 'c', room: 'cap' } });
    const past = await listMembers(server.io, 'cap', { max: 2 });
    expect(past).toMatchObject({ total: 3, partial: false });
    expect(past.members.map((member) => member.name)).toEqual(['a', 'b']);
  });

  it('refuses a bad request through the ack, and a request without an ack with relayError', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const client = await connectClient(url);
    const code = async (request: unknown) => {
      const answer = (await client.emitWithAck('members', request as never)) as { error?: WireError };
      return answer.error?.code;
    };
    expect(await code({ room: 'bad room!' })).toBe('RELAY_ERR_INVALID_ROOM');
    expect(await code({ room: 5 })).toBe('RELAY_ERR_INVALID_ROOM');
    expect(await code({ rooms: 'ops' })).toBe('RELAY_ERR_INVALID_OPTIONS');
    expect(await code('ops')).toBe('RELAY_ERR_INVALID_OPTIONS');
    expect(await code(null)).toBeUndefined(); // null: the socket's room, answered ok
    const refused = waitForEvent<[WireError & { event: string }]>(client, 'relayError');
    client.emit('members', {} as never, undefined as never);
    expect((await refused)[0]).toMatchObject({ code: 'RELAY_ERR_INVALID_OPTIONS', event: 'members' });
  });
});

describe('a user id that cannot name a room', () => {
  it('still connects and is listed; it only cannot be sent private messages', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    actAsUsers(server);
    const odd = await connectClient(url, { auth: { name: 'odd', room: 'ops', testUserId: 'x'.repeat(201) } });
    expect(await odd.emitWithAck('members', {})).toMatchObject({ ok: true, total: 1 });
    expect(() =>
      server.relay.publish('x', { from: { id: 'ops', name: 'ops', kind: 'http' }, to: 'x'.repeat(201) }),
    ).toThrow(expect.objectContaining({ code: 'RELAY_ERR_INVALID_USER_ID' }));
  });
});

describe('a members listing the adapter fails', () => {
  // Fault injection below the handler: the adapter (in-memory, or Redis in a cluster) rejects.
  it('is still answered, with RELAY_ERR_INTERNAL, and logged', async () => {
    const { server, url, logs } = await startRelay({ greeting: 'none' });
    const client = await connectClient(url, { auth: { name: 'ann', room: 'ops' } });
    const adapter = server.io.of('/').adapter;
    adapter.fetchSockets = () => Promise.reject(new Error('adapter down'));
    const answer = await client.timeout(2000).emitWithAck('members', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_INTERNAL' } });
    expect(logs.find((line) => line.msg === 'members listing failed')).toMatchObject({ level: 50 });
  });
});
