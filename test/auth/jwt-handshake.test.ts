import { createHmac } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { connectClient, openClient } from '../support/connect-client.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { now, SECRET, signToken, startJwtRelay } from './jwt-relay.js';

// A token signed by hand, for headers jose refuses to sign.
function hmacToken(header: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${encode(header)}.${encode({ sub: 'u-ann', exp: now() + 60 })}`;
  return `${signed}.${createHmac('sha256', SECRET).update(signed).digest('base64url')}`;
}

const refusal = (message: string | RegExp) => ({
  message: expect.stringMatching(message),
  data: { code: 'RELAY_ERR_UNAUTHENTICATED', message: expect.stringMatching(message) },
});

describe('jwt auth mode: the handshake', () => {
  it('takes the user id, name and roles from the token, not from what the client says', async () => {
    const { url } = await startJwtRelay();
    const token = await signToken({ sub: 'u-42', name: 'Ann', roles: ['admin', 'ops'] });
    const ann = await connectClient(url, { auth: { token, name: 'Mallory' } });
    const heard = waitForEvent<[string, MessageMeta]>(ann, 'sendMessageFromBack');
    expect(await ann.emitWithAck('sendMessage', 'hi')).toMatchObject({ ok: true });
    const [, meta] = await heard;
    expect(meta.from).toEqual({
      id: ann.id,
      userId: 'u-42',
      name: 'Ann',
      kind: 'user',
      roles: ['admin', 'ops'],
    });
  });

  it('takes a sub of 200 characters, which private messages can reach, and refuses one of 201', async () => {
    const { url } = await startJwtRelay({ api: { tokens: ['ops:ops-s3cr3t:publish'] } });
    const longest = 'u'.repeat(200);
    const ann = await connectClient(url, { auth: { token: await signToken({ sub: longest }) } });
    const told = waitForEvent<[string, MessageMeta]>(ann, 'sendMessageFromBack');
    const sent = await fetch(`${url}/v1/users/${longest}/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer ops-s3cr3t', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'just you' }),
    });
    expect(sent.status).toBe(202);
    expect((await told)[1]).toMatchObject({ to: longest });
    const tooLong = openClient(url, { auth: { token: await signToken({ sub: 'u'.repeat(201) }) } });
    const [error] = await waitForEvent<[Error]>(tooLong, 'connect_error');
    expect(error).toMatchObject(refusal(/claim "sub" must be the user id: 1 to 200 printable characters/));
  });

  it('leaves roles off meta.from when the token has none, and names a person by sub without a name', async () => {
    const { url } = await startJwtRelay();
    const bob = await connectClient(url, {
      auth: { token: await signToken({ sub: 'u-bob', name: undefined, roles: [] }) },
    });
    const heard = waitForEvent<[string, MessageMeta]>(bob, 'sendMessageFromBack');
    bob.emit('sendMessage', 'hi');
    expect((await heard)[1].from).toEqual({ id: bob.id, userId: 'u-bob', name: 'u-bob', kind: 'user' });
    // Its first 40 characters, not UTF-16 units: one cut there ended in half an emoji.
    const sub = `${'u'.repeat(39)}🦊 and more`;
    const fox = await connectClient(url, { auth: { token: await signToken({ sub, name: undefined }) } });
    const said = waitForEvent<[string, MessageMeta]>(fox, 'sendMessageFromBack');
    fox.emit('sendMessage', 'hi');
    expect((await said)[1].from.name).toBe(`${'u'.repeat(39)}🦊`);
  });

  it('refuses every bad token with a typed connect_error saying which check failed, logged once per episode', async () => {
    const { url, logs } = await startJwtRelay();
    const rsa = await generateKeyPair('RS256');
    const cases: Array<[string, unknown, RegExp]> = [
      ['missing', undefined, /no token/],
      ['not a string', 42, /must be a string/],
      ['garbage', 'not-a-jwt', /not a well-formed JWT/],
      ['expired', await signToken({ exp: now() - 60 }), /expired at/],
      ['not yet valid', await signToken({ nbf: now() + 600 }), /not valid before/],
      ['no exp', await signToken({ exp: undefined }), /claim "exp" is missing/],
      ['exp of the wrong type', await signToken({ exp: 'tomorrow' }), /claim "exp" is not valid/],
      ['exp past any date', await signToken({ exp: 1e308 }), /claim "exp" must be a date/],
      ['nbf of the wrong type', await signToken({ nbf: 'now' }), /claim "nbf"/],
      [
        'an extension it does not know',
        hmacToken({ alg: 'HS256', crit: ['x-ext'], 'x-ext': 1 }),
        /JWS feature/,
      ],
      [
        'wrong key',
        await signToken({}, { key: new TextEncoder().encode('another-secret-of-32-characters!!!!') }),
        /signature does not verify/,
      ],
      [
        'wrong alg',
        await signToken({}, { key: rsa.privateKey, alg: 'RS256' }),
        /algorithm "RS256" is not accepted/,
      ],
      ['sub of the wrong type', await signToken({ sub: 42 }), /claim "sub"/],
      ['reserved sub', await signToken({ sub: 'bot:echo' }), /must not start with/],
      [
        'a sub of spaces and no name',
        await signToken({ sub: '   ', name: undefined }),
        /claim "name" is needed/,
      ],
      ['name of the wrong type', await signToken({ name: ['Ann'] }), /claim "name"/],
      ['roles of the wrong type', await signToken({ roles: 'admin' }), /claim "roles"/],
      ['a role that is not a name', await signToken({ roles: ['ad min'] }), /claim "roles" item 0/],
      ['rooms of the wrong type', await signToken({ rooms: 'general' }), /claim "rooms"/],
    ];
    for (const [what, token, message] of cases) {
      await expect(connectClient(url, { auth: { token } }), what).rejects.toMatchObject(refusal(message));
    }
    // alg none: an unsigned token, built by hand since jose refuses to make one.
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'u-ann', exp: now() + 60 })).toString('base64url');
    await expect(connectClient(url, { auth: { token: `${header}.${body}.` } })).rejects.toMatchObject(
      refusal(/algorithm "none" is not accepted/),
    );
    // Tampered: the payload changed after signing (another sub), the signature kept.
    const [head, , signature] = (await signToken({ sub: 'u-ann' })).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'u-admin', exp: now() + 60 })).toString('base64url');
    await expect(
      connectClient(url, { auth: { token: `${head}.${forged}.${signature}` } }),
    ).rejects.toMatchObject(refusal(/signature does not verify/));
    // A second expired token from the same address is part of the episode: one line for both.
    await expect(
      connectClient(url, { auth: { token: await signToken({ exp: now() - 30 }) } }),
    ).rejects.toMatchObject(refusal(/expired/));
    const lines = logs.filter((line) => line.msg === 'connection refused: bad token');
    expect(lines.filter((line) => line.check === 'expired')).toHaveLength(1);
    // One line per address and failed check: the claims refusals share one, and so on.
    expect(lines.map((line) => line.check).sort()).toEqual(
      [
        'algorithm',
        'claims',
        'expired',
        'malformed',
        'missing',
        'not-yet-valid',
        'signature',
        'unsupported',
      ].sort(),
    );
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });

  it('checks the issuer and the audience when they are set', async () => {
    const { url } = await startJwtRelay({ auth: { issuer: 'https://id.example', audience: 'relay' } });
    const good = await signToken({ iss: 'https://id.example', aud: 'relay' });
    await connectClient(url, { auth: { token: good } });
    await expect(
      connectClient(url, { auth: { token: await signToken({ iss: 'https://evil.example', aud: 'relay' }) } }),
    ).rejects.toMatchObject(refusal(/claim "iss" is not the expected issuer/));
    await expect(
      connectClient(url, { auth: { token: await signToken({ iss: 'https://id.example', aud: 'other' }) } }),
    ).rejects.toMatchObject(refusal(/claim "aud" does not include/));
    await expect(
      connectClient(url, { auth: { token: await signToken({ aud: 'relay' }) } }),
    ).rejects.toMatchObject(refusal(/claim "iss" is missing/));
  });

  it('accepts a token of auth.maxTokenBytes and refuses one a byte longer, unread', async () => {
    // Lengths of base64url grow by 1 or 2 a padding character: find a length whose next one is +1.
    const sized = async (pad: number) => signToken({ pad: 'x'.repeat(pad) });
    let pad = 900;
    let [shorter, longer] = [await sized(pad), await sized(pad + 1)];
    while (longer.length !== shorter.length + 1) {
      pad += 1;
      [shorter, longer] = [longer, await sized(pad + 1)];
    }
    const { url } = await startJwtRelay({ auth: { maxTokenBytes: shorter.length } });
    await connectClient(url, { auth: { token: shorter } });
    await expect(connectClient(url, { auth: { token: longer } })).rejects.toMatchObject(
      refusal(new RegExp(`is ${longer.length} bytes, over auth.maxTokenBytes \\(${shorter.length}\\)`)),
    );
  });

  it('verifies RS256 and ES256 tokens with a PEM public key, and refuses an HMAC made with that key', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const pair = await generateKeyPair(alg);
      const pem = await exportSPKI(pair.publicKey);
      const { url } = await startJwtRelay({ auth: { jwtSecret: undefined, jwtPublicKey: pem } });
      await connectClient(url, { auth: { token: await signToken({}, { key: pair.privateKey, alg }) } });
      // The classic confusion: the public key, which anyone may have, used as an HS256 secret.
      const confused = await new SignJWT({ sub: 'u-ann', exp: now() + 60 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(pem));
      await expect(connectClient(url, { auth: { token: confused } }), alg).rejects.toMatchObject(
        refusal(new RegExp(`algorithm "HS256" is not accepted: this relay's key takes ${alg}`)),
      );
    }
  });
});
