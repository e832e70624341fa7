// Helpers for the HTTP API tests: a relay with known tokens, real fetch calls, socket listeners.
import type { HttpApiDeps } from '../../src/http/mount-http-api.js';
import type { MessageContent, MessageMeta, RelayServerOptions } from '../../src/index.js';
import type { RelayServer } from '../../src/server/relay-server.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

export const PUBLISHER = 'ci:ci-s3cr3t:publish';
export const ADMIN = 'ops:ops-s3cr3t:admin';
export const READER = 'reader:reader-s3cr3t:admin';

/** A relay (no greeting, so listeners hear only announcements) with a publish and an admin token. */
export async function startApiRelay(options: RelayServerOptions = {}) {
  const started = await startRelay({
    greeting: 'none',
    ...options,
    api: { tokens: [PUBLISHER, ADMIN], ...options.api },
  });
  const { url } = started;
  const send = (
    path: string,
    init: {
      body?: unknown;
      raw?: string;
      token?: string | null;
      headers?: Record<string, string>;
      method?: string;
    } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
    const token = init.token === undefined ? 'ci-s3cr3t' : init.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return fetch(`${url}${path}`, {
      method: init.method ?? 'POST',
      headers,
      ...(init.raw !== undefined
        ? { body: init.raw }
        : init.body !== undefined
          ? { body: JSON.stringify(init.body) }
          : {}),
    });
  };
  return { ...started, send };
}

/** A socket.io client in `room` (the lobby when absent). */
export function listener(url: string, room?: string): Promise<TestClient> {
  return connectClient(url, room ? { auth: { room } } : {});
}

/** The next `sendMessageFromBack` a client hears. */
export async function nextMessage(
  client: TestClient,
): Promise<{ content: MessageContent; meta: MessageMeta }> {
  const [content, meta] = await waitForEvent<[MessageContent, MessageMeta]>(client, 'sendMessageFromBack', {
    timeoutMs: 5000,
  });
  return { content, meta };
}

/** Reads a problem answer and checks it is RFC 9457 problem+json. */
export async function problemOf(response: Response): Promise<Record<string, unknown>> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${type}: ${await response.text()}`);
  }
  return (await response.json()) as Record<string, unknown>;
}

/** What mountHttpApi needs, taken from a bare RelayServer (one no composition root mounted anything on). */
export function httpApiDeps(server: RelayServer): HttpApiDeps {
  return {
    app: server.app,
    relay: server.relay,
    io: server.io,
    lifecycle: server,
    logger: server.logger,
    metricsRegistry: server.metricsRegistry,
    hostGuard: server.hostGuard,
    checkReadiness: () => server.checkReadiness(),
    settings: server.config,
  };
}

/** Calls the API of the relay at `url` as the admin token (`ops-s3cr3t`), with a JSON body when given. */
export function adminCall(url: string) {
  return (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: 'Bearer ops-s3cr3t',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}
