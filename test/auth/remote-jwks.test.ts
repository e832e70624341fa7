// The JWKS fetcher on its own, against real HTTP servers: a stalled body, a recovery, stale keys.
import { createServer, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwksUnavailableError, RemoteJwks, type RemoteJwksOptions } from '../../src/auth/remote-jwks.js';
import { track } from '../support/cleanup.js';

type Answer = (res: ServerResponse) => void;

/** A JWKS endpoint whose answer the test sets; open responses are cut when it closes. */
async function startIssuer(answer: { current: Answer }) {
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches += 1;
    answer.current(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(server, (s) => {
    s.closeAllConnections();
    return new Promise((resolve) => s.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { url: new URL(`http://127.0.0.1:${port}/jwks.json`), fetches: () => fetches };
}

async function signedBy(kid: string) {
  const pair = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const token = await new SignJWT({ sub: 'u-ann' })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(pair.privateKey);
  return { jwk, token };
}

const serve =
  (keys: object[]): Answer =>
  (res) =>
    res.end(JSON.stringify({ keys }));

/**
 * A RemoteJwks whose keys (k1's, fetched once and checked with `token`) are always past maxAgeMs, and the
 * issuer's answer from now on, for the test to set.
 */
async function withStaleKeys(options: RemoteJwksOptions) {
  const { jwk, token } = await signedBy('k1');
  const answer = { current: serve([jwk]) };
  const issuer = await startIssuer(answer);
  const jwks = new RemoteJwks(issuer.url, { ...options, maxAgeMs: 0 });
  await jwtVerify(token, jwks.getKey);
  return { jwk, token, answer, issuer, jwks };
}

describe('RemoteJwks', () => {
  it('gives up on an issuer that sends headers and then stalls, and fetches again once it answers', async () => {
    const { jwk, token } = await signedBy('k1');
    const answer = { current: ((res) => res.writeHead(200).write('{"keys":[')) as Answer };
    const issuer = await startIssuer(answer);
    const jwks = new RemoteJwks(issuer.url, { timeoutMs: 300, cooldownMs: 0 });
    const started = Date.now();
    await expect(jwtVerify(token, jwks.getKey)).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(Date.now() - started).toBeLessThan(3000);
    answer.current = serve([jwk]);
    await expect(jwtVerify(token, jwks.getKey)).resolves.toMatchObject({ payload: { sub: 'u-ann' } });
    expect(issuer.fetches()).toBe(2);
  });

  it('refuses a JWKS over maxBytes', async () => {
    const { token } = await signedBy('k1');
    const issuer = await startIssuer({
      current: (res) => res.end(`{"keys":[],"pad":"${'x'.repeat(2000)}"}`),
    });
    const jwks = new RemoteJwks(issuer.url, { maxBytes: 1000 });
    await expect(jwtVerify(token, jwks.getKey)).rejects.toThrow(/over 1000 bytes/);
  });

  it('keeps using its keys past maxAgeMs while a fresh fetch fails', async () => {
    const { token, answer, issuer, jwks } = await withStaleKeys({ cooldownMs: 60_000 });
    answer.current = (res) => res.writeHead(503).end();
    await expect(jwtVerify(token, jwks.getKey)).resolves.toMatchObject({ payload: { sub: 'u-ann' } });
    await expect.poll(() => issuer.fetches()).toBe(2);
    // The failure is not tried again within the cooldown, however many tokens come meanwhile.
    for (let i = 0; i < 10; i += 1) {
      await expect(jwtVerify(token, jwks.getKey)).resolves.toMatchObject({ payload: { sub: 'u-ann' } });
    }
    expect(issuer.fetches()).toBe(2);
  });

  it('does not hold a handshake on an issuer that stalls while its keys are past maxAgeMs', async () => {
    const { token, answer, jwks } = await withStaleKeys({ timeoutMs: 30_000 });
    answer.current = (res) => res.writeHead(200).write('{"keys":[');
    const started = Date.now();
    await expect(jwtVerify(token, jwks.getKey)).resolves.toMatchObject({ payload: { sub: 'u-ann' } });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  // Every handshake fetched again from an issuer that was down: made-up tokens could hammer it, and
  // each waited for its answer.
  it('fetches at most once a cooldown while the issuer fails, however many handshakes', async () => {
    const { token } = await signedBy('k1');
    const issuer = await startIssuer({ current: (res) => res.writeHead(500).end() });
    const jwks = new RemoteJwks(issuer.url, { cooldownMs: 60_000 });
    for (let i = 0; i < 20; i += 1) {
      await expect(jwtVerify(token, jwks.getKey)).rejects.toThrow(/HTTP 500/);
    }
    expect(issuer.fetches()).toBe(1);
  });

  // The refresh of keys past maxAgeMs runs in the background: a token signed with the issuer's new key
  // was looked up in the old set meanwhile and refused, since a fetch had "just" been tried.
  it('waits for the fetch under way for a key id its keys lack, as after a rotation', async () => {
    const { jwk, answer, jwks } = await withStaleKeys({ cooldownMs: 60_000 });
    const second = await signedBy('k2');
    answer.current = serve([jwk, second.jwk]);
    await expect(jwtVerify(second.token, jwks.getKey)).resolves.toMatchObject({ payload: { sub: 'u-ann' } });
  });

  // Counted from the start of the fetch, a cooldown no longer than the timeout had run out when the
  // timeout was recorded: an issuer that drops packets was asked again by the very next handshake.
  it('counts the cooldown from when a fetch failed, so a timeout holds it too', async () => {
    const { token } = await signedBy('k1');
    const issuer = await startIssuer({ current: (res) => res.writeHead(200).write('{"keys":[') });
    const jwks = new RemoteJwks(issuer.url, { timeoutMs: 300, cooldownMs: 300 });
    await expect(jwtVerify(token, jwks.getKey)).rejects.toThrow(/no answer within 300 ms/);
    const started = Date.now();
    await expect(jwtVerify(token, jwks.getKey)).rejects.toThrow(/no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(250);
    expect(issuer.fetches()).toBe(1);
  });

  it('refuses a URL with a user or password, which fetch would refuse and logs would show', () => {
    expect(() => new RemoteJwks(new URL('https://svc:s3cret@issuer.example/jwks.json'))).toThrow(
      /must not carry a user or password/,
    );
  });

  it('shares one fetch among the handshakes waiting for it', async () => {
    const { jwk, token } = await signedBy('k1');
    const issuer = await startIssuer({ current: serve([jwk]) });
    const jwks = new RemoteJwks(issuer.url);
    await Promise.all([1, 2, 3, 4].map(() => jwtVerify(token, jwks.getKey)));
    expect(issuer.fetches()).toBe(1);
  });
});
