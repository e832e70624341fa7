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
  it('serves the seed client, then closes gracefully on SIGTERM with exit code 0 (drainDelayMs 0)', async () => {
    const cwd = await emptyDir();
    await writeFile(path.join(cwd, 'relay.config.yaml'), 'greetingText: Bonjour\ndrainDelayMs: 0\n');
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

  it('drains on SIGTERM: /readyz 503 while /healthz and sockets still answer, then exits 0', {
    timeout: 40_000,
  }, async () => {
    const relay = spawnRelayCli(
      ['serve', '--port', '0', '--host', '127.0.0.1', '--greeting', 'none', '--drain-delay-ms', '8000'],
      { cwd: await emptyDir() },
    );
    const { url } = (await relay.waitForLog((line) => line.msg === 'relay started', 30_000)) as {
      url: string;
    };
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const socket = track(socketIOClient(url, { reconnection: false }), (s) => s.disconnect());
    await waitForEvent(socket, 'connect', { timeoutMs: 5000 });

    relay.child.kill('SIGTERM');
    const draining = await relay.waitForLog((line) => String(line.msg).startsWith('relay draining'));
    expect(draining.delayMs).toBe(8000);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { detail: string }).detail).toMatch(/^not ready: draining/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(socket.connected).toBe(true);
    expect(relay.stdout.some((line) => line.includes('"relay closing"'))).toBe(false);

    const disconnected = waitForEvent<[string]>(socket, 'disconnect', { timeoutMs: 20_000 });
    expect(await relay.exited).toBe(0);
    expect((await disconnected)[0]).toBe('transport close');
    const at = (msg: string) =>
      Number(relay.stdout.find((line) => line.includes(`"msg":"${msg}`))?.match(/"time":(\d+)/)?.[1]);
    // The close came after the delay, not at the signal.
    expect(at('relay closing') - at('relay draining')).toBeGreaterThanOrEqual(7900);
  });

  it('closes at once on SIGINT (Ctrl-C), and on a second signal during a drain', {
    timeout: 40_000,
  }, async () => {
    const args = ['serve', '--port', '0', '--host', '127.0.0.1', '--drain-delay-ms', '600000'];
    const interrupted = spawnRelayCli(args, { cwd: await emptyDir() });
    await interrupted.waitForLog((line) => line.msg === 'relay started', 30_000);
    interrupted.child.kill('SIGINT');
    // Exiting within the test's timeout, far below the 10-minute drain, shows no drain happened.
    expect(await interrupted.exited).toBe(0);
    expect(interrupted.stdout.some((line) => line.includes('relay draining'))).toBe(false);

    const rolled = spawnRelayCli(args, { cwd: await emptyDir() });
    await rolled.waitForLog((line) => line.msg === 'relay started', 30_000);
    rolled.child.kill('SIGTERM');
    await rolled.waitForLog((line) => String(line.msg).startsWith('relay draining'));
    rolled.child.kill('SIGINT');
    expect(await rolled.exited).toBe(0);
    await rolled.waitForLog((line) => line.msg === 'relay closed');
  });

  it('logs JSON lines when stdout is not a terminal, with a "relay started" line for the banner', async () => {
    const cwd = await emptyDir();
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1', '--drain-delay-ms', '0'], {
      cwd,
      env: { RELAY_LOG_FORMAT: 'auto' },
    });
    const started = await relay.waitForLog((line) => line.msg === 'relay started', 30_000);
    const url = started.url as string;
    expect(started).toMatchObject({
      level: 30,
      chatPage: `${url}/`,
      apiToken: 'generated',
      devRelayFile: path.join('.relaykit', 'dev-relay.json'),
    });
    // Every line is JSON: no banner block in this format.
    for (const line of relay.stdout) expect(() => JSON.parse(line)).not.toThrow();
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
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
