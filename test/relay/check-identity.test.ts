import { describe, expect, it } from 'vitest';
import type { Identity, MessageMeta } from '../../src/index.js';
import { checkedAuthenticator, checkIdentity } from '../../src/relay/check-identity.js';
import { connectClient, openClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const ann: Identity = { userId: 'u-ann', name: 'Ann' };
const invalid = (field: RegExp) =>
  expect.objectContaining({ code: 'RELAY_ERR_INVALID_IDENTITY', message: expect.stringMatching(field) });

describe('checkIdentity', () => {
  it('takes every field at its limit, and trims the name', () => {
    const identity = {
      userId: 'u'.repeat(200),
      name: ` ${'n'.repeat(40)} `,
      roles: Array.from({ length: 32 }, (_, i) => `role-${i}`),
      rooms: Array.from({ length: 100 }, (_, i) => (i === 0 ? 'team-*' : `room-${i}`)),
      expiresAt: 1_900_000_000_000,
    };
    expect(checkIdentity(identity)).toEqual({ ...identity, name: 'n'.repeat(40) });
    expect(checkIdentity(ann)).toEqual(ann);
  });

  it('refuses each field one past its limit or of the wrong type, naming it', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /undefined, not an object/],
      ['u-ann', /"u-ann", not an object/],
      [{ ...ann, userId: 'u'.repeat(201) }, /^the authenticator .*userId "u+/],
      [{ ...ann, userId: 42 }, /userId 42 /],
      [{ ...ann, userId: 'u\u0000' }, /userId /],
      [{ ...ann, name: 'n'.repeat(41) }, /name "n+/],
      [{ ...ann, name: '   ' }, /name " {3}"/],
      [{ ...ann, name: undefined }, /name undefined/],
      // Half an emoji: not well-formed text, shown as U+FFFD once encoded.
      [{ ...ann, name: 'Ann \uD83D' }, /name "Ann /],
      [{ ...ann, userId: 'u-\uDE0A' }, /userId "u-/],
      [{ ...ann, roles: Array.from({ length: 33 }, (_, i) => `r${i}`) }, /roles \[/],
      [{ ...ann, roles: ['ad min'] }, /roles \["ad min"\]/],
      [{ ...ann, roles: 'admin' }, /roles "admin"/],
      [{ ...ann, rooms: Array.from({ length: 101 }, (_, i) => `r${i}`) }, /rooms \[/],
      [{ ...ann, rooms: ['team-*-x'] }, /rooms \["team-\*-x"\]/],
      [{ ...ann, expiresAt: '2030-01-01' }, /expiresAt "2030-01-01"/],
      [{ ...ann, expiresAt: Number.NaN }, /expiresAt /],
      // A person carrying a bot's, a service's or a connection's id, as a token's sub may not.
      [{ ...ann, userId: 'bot:help' }, /userId "bot:help" starts with one of RelayKit's own prefixes/],
      [{ ...ann, userId: 'anon:abc' }, /userId "anon:abc"/],
    ];
    for (const [identity, field] of cases) {
      expect(() => checkIdentity(identity), String(field)).toThrow(invalid(field));
    }
  });
});

describe('checkedAuthenticator', () => {
  it('refuses a handshake its authenticator never answers, at the deadline, with RELAY_ERR_AUTH_UNAVAILABLE', async () => {
    const checked = checkedAuthenticator(
      () => new Promise(() => {}),
      () => {},
      100,
    );
    await expect(checked.authenticate({ auth: {}, address: '127.0.0.1' })).rejects.toMatchObject({
      code: 'RELAY_ERR_AUTH_UNAVAILABLE',
      message: expect.stringContaining('did not answer within 100 ms'),
    });
    checked.close();
  });
});

describe('an authenticator of your own (authenticateWith)', () => {
  it('refuses a handshake it answered wrongly with RELAY_ERR_INVALID_IDENTITY, logged once per episode', async () => {
    const { server, url, logs } = await startRelay();
    const answers: unknown[] = [{ userId: 42, name: 'Ann' }, { userId: 'u-ann' }, ann];
    server.authenticateWith(async () => answers.shift() as Identity);

    for (const field of [/userId 42/, /name undefined/]) {
      const refused = openClient(url, { auth: { token: 'x' } });
      const [error] = await waitForEvent<[Error & { data?: unknown }]>(refused, 'connect_error');
      expect(error.data).toEqual(invalid(field));
    }
    const client = await connectClient(url, { auth: { token: 'x' } });
    const heard = waitForEvent<[string, MessageMeta]>(client, 'sendMessageFromBack');
    client.emit('sendMessage', 'hi');
    expect((await heard)[1].from).toMatchObject({ userId: 'u-ann', name: 'Ann', kind: 'user' });

    const lines = logs.filter((line) => line.code === 'RELAY_ERR_INVALID_IDENTITY');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, err: expect.stringMatching(/userId 42/) });
  });

  it('writes the summary of an episode of several refusals when the relay closes', async () => {
    const { server, url, logs } = await startRelay();
    server.authenticateWith(async () => ({ userId: 'u-ann', name: '' }));
    for (let i = 0; i < 3; i += 1) {
      await waitForEvent(openClient(url, { auth: { token: 'x' } }), 'connect_error');
    }
    await server.close();
    const lines = logs.filter((line) => line.code === 'RELAY_ERR_INVALID_IDENTITY');
    expect(lines.map(({ refused }) => refused)).toEqual([undefined, 3]);
  });

  // An authenticator that throws (its session store is down, a bug) refused the handshake as a
  // RelayKit bug, "see the log line", with no log line at all.
  it('refuses a handshake it failed on with RELAY_ERR_AUTH_UNAVAILABLE, logged once per episode', async () => {
    const { server, url, logs } = await startRelay();
    const failures: Array<() => never> = [
      () => {
        throw new Error('session store unreachable');
      },
      () => {
        throw new TypeError('cannot read properties of undefined');
      },
      () => {
        throw 'a string';
      },
    ];
    server.authenticateWith(async () => (failures.shift() as () => never)());
    for (let i = 0; i < 3; i += 1) {
      const [error] = await waitForEvent<[Error & { data?: unknown }]>(
        openClient(url, { auth: { token: 'x' } }),
        'connect_error',
      );
      // What failed may name internal hosts: the log says it, not the client.
      expect(error.data).toEqual(
        expect.objectContaining({
          code: 'RELAY_ERR_AUTH_UNAVAILABLE',
          message: expect.stringMatching(/^the authenticator failed \(the relay's log says why\)/),
        }),
      );
    }
    await server.close();
    const lines = logs.filter((line) => line.code === 'RELAY_ERR_AUTH_UNAVAILABLE');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 50, err: { message: 'session store unreachable' } });
    expect(lines[1]).toMatchObject({ refused: 3 });
  });
});
