import { SignJWT } from 'jose';
import type { RelayServerOptions } from '../../src/index.js';
import { openClient, type TestClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

/** The HS256 secret of test relays in jwt mode. */
export const SECRET = 'test-secret-of-at-least-32-characters!';

/** A relay in jwt mode checking HS256 tokens signed with {@link SECRET}. */
export function startJwtRelay(options: RelayServerOptions = {}) {
  return startRelay({
    greeting: 'none',
    ...options,
    auth: { mode: 'jwt', jwtSecret: SECRET, ...options.auth },
  });
}

/** Seconds since the epoch. */
export const now = () => Math.floor(Date.now() / 1000);

/**
 * A token signed with jose: HS256 with {@link SECRET} unless `key`/`alg` say otherwise; `exp` an hour
 * away unless the claims set it (`exp: undefined` leaves it out).
 */
export async function signToken(
  claims: Record<string, unknown> = {},
  options: { key?: Parameters<SignJWT['sign']>[0]; alg?: string; kid?: string } = {},
): Promise<string> {
  const body: Record<string, unknown> = { sub: 'u-ann', name: 'Ann', exp: now() + 3600, ...claims };
  for (const [claim, value] of Object.entries(body)) if (value === undefined) delete body[claim];
  return new SignJWT(body)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', ...(options.kid ? { kid: options.kid } : {}) })
    .sign(options.key ?? new TextEncoder().encode(SECRET));
}

/**
 * Sends one message on `socket` and waits to hear it (so that the session has something to recover
 * from), drops its transport, and resolves with the `data` of the `connect_error` its reconnection got.
 */
export async function refusedRecovery(
  socket: TestClient,
  content: string,
): Promise<{ code: string; message: string }> {
  const seen = waitForEvent(socket, 'sendMessageFromBack');
  socket.emit('sendMessage', content);
  await seen;
  socket.io.engine.close();
  const [error] = await waitForEvent<[Error & { data: { code: string; message: string } }]>(
    socket,
    'connect_error',
  );
  return error.data;
}

/**
 * A client that reconnects (50 ms apart) and hands the relay `first` at its first connection and `then`
 * at every later one, as a token provider that fetches a fresh token does.
 */
export function openWithTokens(url: string, first: string, then: string): TestClient {
  let calls = 0;
  return openClient(url, {
    transports: ['websocket'],
    reconnection: true,
    reconnectionDelay: 50,
    auth: (callback) => callback({ token: calls++ === 0 ? first : then }),
  });
}
