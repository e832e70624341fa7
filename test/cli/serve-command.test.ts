import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import socketIOClient from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { track } from '../support/cleanup.js';
import { spawnRelayCli } from '../support/spawn-relay-cli.js';
import { waitForEvent } from '../support/wait-for-event.js';

async function emptyDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-cli-')), (dir) => rm(dir, { recursive: true }));
}

describe('relay serve', () => {
  it('serves the seed client, then closes gracefully on SIGTERM with exit code 0', async () => {
    const cwd = await emptyDir();
    await writeFile(path.join(cwd, 'relay.config.yaml'), 'greetingText: Bonjour\n');
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd });
    const listening = await relay.waitForLog((line) => line.msg === 'relay listening');
    const url = listening.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const socket = track(socketIOClient(url, { reconnection: false }), (s) => s.disconnect());
    const [greeting] = await waitForEvent<[string]>(socket, 'sendMessageFromBack', { timeoutMs: 5000 });
    expect(greeting).toBe('Bonjour');
    const echoed = waitForEvent<[string]>(socket, 'sendMessageFromBack', { timeoutMs: 5000 });
    socket.emit('sendMessage', 'Hello John !');
    expect((await echoed)[0]).toBe('Hello John !');

    const disconnected = waitForEvent<[string]>(socket, 'disconnect', { timeoutMs: 5000 });
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    expect((await disconnected)[0]).toBe('transport close');
    await relay.waitForLog((line) => line.msg === 'relay closed');
  });

  it('stops before starting, exit code 2, when a setting is invalid, naming the key and source', async () => {
    const relay = spawnRelayCli(['serve', '--port', '0'], {
      cwd: await emptyDir(),
      env: { RELAY_GREETING: 'everybody' },
    });
    expect(await relay.exited).toBe(2);
    expect(relay.stderr.join('\n')).toContain(
      'RELAY_ERR_CONFIG_INVALID: environment variable RELAY_GREETING: setting "greeting" is invalid',
    );
  });

  it('exits 1 instead of hanging when start-up fails after the port is bound', async () => {
    const cwd = await emptyDir();
    // A folder where the schedule database file should be: the store cannot open once jobs exist.
    await mkdir(path.join(cwd, 'store-is-a-folder'));
    await writeFile(
      path.join(cwd, 'relay.config.yaml'),
      'scheduler: { store: store-is-a-folder }\nschedules:\n  - { id: tick, cron: "0 0 * * *", content: tick }\n',
    );
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd });
    expect(await relay.exited).toBe(1);
    expect(relay.stderr.join('\n')).toMatch(/RELAY_ERR_/);
  });

  it('exits 1 with a fix hint when the port is in use', async () => {
    const cwd = await emptyDir();
    const first = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd });
    const { port } = await first.waitForLog((line) => line.msg === 'relay listening');
    const second = spawnRelayCli(['serve', '--port', String(port), '--host', '127.0.0.1'], { cwd });
    expect(await second.exited).toBe(1);
    expect(second.stderr.join('\n')).toContain(`port ${port} is in use; pass --port or set PORT`);
  });
});
