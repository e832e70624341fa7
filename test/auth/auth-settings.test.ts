import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { ConfigError, createRelayServer, type RelayServerOptions } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { IN_MEMORY_STORES, startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { openWithTokens, refusedRecovery, SECRET, signToken, startJwtRelay } from './jwt-relay.js';

// Settings given as a config file would give them: checked when the relay is made.
const make = (auth: Record<string, unknown>) =>
  track(
    createRelayServer({
      ...IN_MEMORY_STORES,
      port: 0,
      logger: captureLogs().logger,
      auth: auth as RelayServerOptions['auth'],
    }),
    (s) => s.close(),
  );

describe('auth settings', () => {
  it('defaults to anonymous, where a token is ignored and names are free', async () => {
    const { url, server } = await startRelay();
    expect(server.config.auth).toEqual({ mode: 'anonymous', maxTokenBytes: 8192, clockToleranceSec: 5 });
    await connectClient(url, { auth: { name: 'Anyone', token: 'not-even-a-jwt' } });
  });

  it('reads jwt mode from the environment, and needs exactly one key', async () => {
    const { config } = await loadConfig({ env: { RELAY_AUTH_MODE: 'jwt', RELAY_AUTH_JWT_SECRET: SECRET } });
    expect(config.auth).toMatchObject({ mode: 'jwt', jwtSecret: SECRET });
    await expect(loadConfig({ env: { RELAY_AUTH_MODE: 'jwt' } })).rejects.toThrow(
      /environment variable RELAY_AUTH_MODE: setting "auth.mode" is invalid: jwt mode needs exactly one of/,
    );
    expect(() => make({ mode: 'jwt', jwtSecret: SECRET, jwksUrl: 'https://id.example/jwks' })).toThrow(
      /\(2 set\)/,
    );
    expect(() => make({ mode: 'jwt', jwksUrl: 'ftp://id.example/jwks' })).toThrow(/auth.jwksUrl/);
    // Such a URL could never be fetched, and its password was in the log of every failed fetch.
    let refused: unknown;
    try {
      make({ mode: 'jwt', jwksUrl: 'https://svc:pa55word@id.example/jwks' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ConfigError);
    expect(String((refused as Error).message)).toMatch(/auth.jwksUrl.*without a user or password/);
    expect(String((refused as Error).message)).not.toContain('pa55word');
  });

  it('refuses a public key it cannot use, naming the setting', () => {
    expect(() =>
      make({ mode: 'jwt', jwtPublicKey: '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----' }),
    ).toThrow(ConfigError);
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => make({ mode: 'jwt', jwtPublicKey: ed })).toThrow(/RSA \(RS256\) or P-256 \(ES256\)/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => make({ mode: 'jwt', jwtPublicKey: p384 })).toThrow(/P-256/);
  });

  it('reads a PEM whose line breaks came as \\n in an environment variable', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString().replaceAll('\n', '\\n');
    expect(() => make({ mode: 'jwt', jwtPublicKey: pem })).not.toThrow();
  });

  it('takes one authenticator', async () => {
    const { server } = await startJwtRelay();
    expect(() => server.authenticateWith(async () => ({ userId: 'x', name: 'x' }))).toThrow(
      /already has an authenticator/,
    );
  });

  it('refuses to recover a session into a room the fresh token no longer grants', async () => {
    const { url } = await startJwtRelay();
    const socket = openWithTokens(
      url,
      await signToken({ rooms: ['lobby', 'ops'] }),
      await signToken({ rooms: ['lobby'] }),
    );
    await waitForEvent(socket, 'connect');
    await socket.emitWithAck('join', 'ops');
    expect(await refusedRecovery(socket, 'in ops')).toMatchObject({
      code: 'RELAY_ERR_FORBIDDEN',
      message: expect.stringContaining('room "ops"'),
    });
  });
});
