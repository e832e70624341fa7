// `relay serve --workers 2`: websocket-only clients (React Native apps, the bench's load clients) one
// after another, each connecting as the previous one leaves. The primary hands each socket to a worker;
// it must not read, and lose, what the client sends the worker next (its socket.io CONNECT).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { track } from '../support/cleanup.js';
import { openClient } from '../support/connect-client.js';
import { spawnRelayCli } from '../support/spawn-relay-cli.js';
import { waitForEvent } from '../support/wait-for-event.js';

const CLIENTS = 60;

describe('relay serve --workers handshakes', () => {
  it(`answers the socket.io CONNECT of ${CLIENTS} websocket-only clients in a row`, {
    timeout: 90_000,
  }, async () => {
    const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-handshakes-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const relay = spawnRelayCli(
      ['serve', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--log-format', 'json'],
      { cwd, env: { RELAY_DRAIN_DELAY_MS: '0', RELAY_GREETING: 'none' } },
    );
    const started = await relay.waitForLog((line) => line.msg === 'relay started', 30_000);
    const lost: number[] = [];
    for (let i = 0; i < CLIENTS; i += 1) {
      const client = openClient(started.url as string, {
        transports: ['websocket'],
        auth: { name: `c${i}` },
      });
      // A lost CONNECT is never answered (socket.io-client's own timeout covers the engine.io open only).
      await waitForEvent(client, 'connect', { timeoutMs: 5000 }).catch(() => lost.push(i));
      client.disconnect();
    }
    expect(lost).toEqual([]);
  });
});
