import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { freePort } from '../support/free-port.js';
import { startRelay } from '../support/start-relay.js';
import { signToken } from './jwt-relay.js';

/** An issuer's JWKS endpoint on an ephemeral port, serving `keys` as they are at each request. */
async function startJwks(keys: { current: object[] }) {
  const fetches: string[] = [];
  const server = createServer((req, res) => {
    fetches.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: keys.current }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(server, (s) => new Promise((resolve) => s.close(resolve)));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, fetches };
}

async function keyPair(alg: 'RS256' | 'ES256', kid: string) {
  const pair = await generateKeyPair(alg);
  return { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' } };
}

describe('jwt auth mode with a JWKS URL', () => {
  it('fetches the keys once, caches them, and follows a key rotation', async () => {
    const first = await keyPair('RS256', 'key-1');
    const second = await keyPair('ES256', 'key-2');
    const keys = { current: [first.jwk] as object[] };
    const jwks = await startJwks(keys);
    const { url } = await startRelay({ greeting: 'none', auth: { mode: 'jwt', jwksUrl: jwks.url } });
    for (const sub of ['u-1', 'u-2']) {
      const token = await signToken({ sub }, { key: first.privateKey, alg: 'RS256', kid: 'key-1' });
      await connectClient(url, { auth: { token } });
    }
    expect(jwks.fetches).toHaveLength(1);

    // The issuer rotates: key-2 signs from now on. A token naming it makes the relay fetch again (at
    // most every 5 s, so a flood of made-up key ids cannot hammer the issuer).
    keys.current = [second.jwk];
    const rotated = await signToken({ sub: 'u-3' }, { key: second.privateKey, alg: 'ES256', kid: 'key-2' });
    const deadline = Date.now() + 10_000;
    let connected = false;
    while (!connected) {
      try {
        await connectClient(url, { auth: { token: rotated } });
        connected = true;
      } catch (error) {
        expect((error as { data?: { message: string } }).data?.message).toContain(
          "no key of the issuer's JWKS",
        );
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(jwks.fetches.length).toBeGreaterThanOrEqual(2);
    expect(jwks.fetches.length).toBeLessThanOrEqual(3);
    // A token of the retired key is refused now.
    const retired = await signToken({ sub: 'u-4' }, { key: first.privateKey, alg: 'RS256', kid: 'key-1' });
    await expect(connectClient(url, { auth: { token: retired } })).rejects.toMatchObject({
      data: { code: 'RELAY_ERR_UNAUTHENTICATED' },
    });
  }, 20_000);

  it('refuses with RELAY_ERR_AUTH_UNAVAILABLE while the JWKS cannot be fetched, and keeps running', async () => {
    const port = await freePort();
    const { url, logs } = await startRelay({
      greeting: 'none',
      auth: { mode: 'jwt', jwksUrl: `http://127.0.0.1:${port}/jwks.json` },
    });
    const pair = await keyPair('RS256', 'key-1');
    const token = await signToken({}, { key: pair.privateKey, alg: 'RS256', kid: 'key-1' });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const refused = await connectClient(url, { auth: { token } }).catch((error: Error) => error);
      expect(refused).toMatchObject({
        data: { code: 'RELAY_ERR_AUTH_UNAVAILABLE', message: expect.stringContaining('auth.jwksUrl') },
      });
      // Where the relay fetches its keys is for its operator, not for whoever connects.
      expect(JSON.stringify(refused)).not.toContain(String(port));
    }
    const lines = logs.filter(
      (line) => line.check === 'jwks' && line.msg === 'connection refused: bad token',
    );
    expect(lines).toHaveLength(1);
    expect(String(lines[0]?.err)).toContain(`127.0.0.1:${port}`);
  });

  it('checks a token without kid against each key of its algorithm, as during a rotation', async () => {
    const old = await keyPair('RS256', 'key-1');
    const next = await keyPair('RS256', 'key-2');
    const other = await keyPair('RS256', 'key-3');
    const jwks = await startJwks({ current: [old.jwk, next.jwk] });
    const { url } = await startRelay({ greeting: 'none', auth: { mode: 'jwt', jwksUrl: jwks.url } });
    for (const signer of [old, next]) {
      const token = await signToken({ sub: 'u-ann' }, { key: signer.privateKey, alg: 'RS256' });
      await connectClient(url, { auth: { token } });
    }
    const forged = await signToken({ sub: 'u-ann' }, { key: other.privateKey, alg: 'RS256' });
    await expect(connectClient(url, { auth: { token: forged } })).rejects.toMatchObject({
      data: { code: 'RELAY_ERR_UNAUTHENTICATED', message: expect.stringContaining('signature') },
    });
  });
});
