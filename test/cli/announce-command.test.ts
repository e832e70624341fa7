import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import socketIOClient from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { listener, nextMessage, startApiRelay } from '../http/api-relay.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { freePort } from '../support/free-port.js';
import { spawnRelayCli } from '../support/spawn-relay-cli.js';
import { waitForEvent } from '../support/wait-for-event.js';

describe('relay announce', () => {
  it('posts to a room and prints the message id the clients see', async () => {
    const { url } = await startApiRelay();
    const ops = await listener(url, 'ops');
    const hears = nextMessage(ops);
    const ctx = createCliContext();
    await runCli(['announce', 'Deploy done', '--room', 'ops', '--url', url, '--token', 'ci-s3cr3t'], ctx);
    expect(ctx.err()).toBe('');
    expect(ctx.exitCode).toBe(0);
    const heard = await hears;
    expect(heard.content).toBe('Deploy done');
    expect(heard.meta.from).toEqual({ id: 'ci', userId: 'http:ci', name: 'ci', kind: 'http' });
    expect(ctx.out()).toBe(`${heard.meta.id}\n`);
  });

  it('reads RELAY_URL and RELAY_CLIENT_TOKEN, announces to everyone without --room, and honours --idempotency-key', async () => {
    const { url } = await startApiRelay();
    const client = await listener(url, 'anywhere');
    const heard: unknown[] = [];
    client.on('sendMessageFromBack', (content) => heard.push(content));
    const env = { RELAY_URL: `${url}/`, RELAY_CLIENT_TOKEN: 'ci-s3cr3t' };
    const first = createCliContext({ env });
    await runCli(['announce', 'Freeze at 18:00', '--idempotency-key', 'freeze-1'], first);
    const retry = createCliContext({ env });
    await runCli(['announce', 'Freeze at 18:00', '--idempotency-key', 'freeze-1'], retry);
    expect([first.exitCode, retry.exitCode]).toEqual([0, 0]);
    expect(retry.out()).toBe(first.out());
    const marker = nextMessage(client);
    await runCli(['announce', 'marker'], createCliContext({ env }));
    await marker;
    expect(heard).toEqual(['Freeze at 18:00', 'marker']);
  });

  it('still reads the old RELAY_API_TOKEN, with one warning naming RELAY_CLIENT_TOKEN', async () => {
    const { url } = await startApiRelay();
    const client = await listener(url);
    const hears = nextMessage(client);
    const ctx = createCliContext({ env: { RELAY_URL: url, RELAY_API_TOKEN: 'ci-s3cr3t' } });
    await runCli(['announce', 'old name'], ctx);
    expect(ctx.exitCode).toBe(0);
    expect((await hears).content).toBe('old name');
    expect(ctx.err()).toBe(
      "relay: RELAY_API_TOKEN is deprecated: rename it RELAY_CLIENT_TOKEN (RELAY_API_TOKENS is the server's list)\n",
    );
    const both = createCliContext({
      env: { RELAY_URL: url, RELAY_API_TOKEN: 'wrong', RELAY_CLIENT_TOKEN: 'ci-s3cr3t' },
    });
    await runCli(['announce', 'new name wins'], both);
    expect([both.exitCode, both.err()]).toEqual([0, '']);
  });

  it('--json posts structured content, and refuses text that is not a JSON object (exit 2)', async () => {
    const { url } = await startApiRelay();
    const client = await listener(url);
    const hears = nextMessage(client);
    const env = { RELAY_URL: url, RELAY_CLIENT_TOKEN: 'ci-s3cr3t' };
    const notJson = createCliContext({ env });
    await runCli(['announce', '{"type": deploy}', '--json'], notJson);
    expect(notJson.exitCode).toBe(2);
    expect(notJson.err()).toMatch(/^relay: --json: the content is not JSON: /);
    const array = createCliContext({ env });
    await runCli(['announce', '[1, 2]', '--json'], array);
    expect(array.exitCode).toBe(2);
    expect(array.err()).toBe('relay: --json: the content must be a JSON object, got an array\n');
    const ctx = createCliContext({ env });
    await runCli(['announce', '{"type":"deploy","version":"1.4"}', '--json'], ctx);
    expect(ctx.exitCode).toBe(0);
    expect((await hears).content).toEqual({ type: 'deploy', version: '1.4' });
  });

  it("fails with exit code 1 and the problem's title when the relay refuses, sending nothing", async () => {
    const { url } = await startApiRelay();
    const client = await listener(url);
    const hears = nextMessage(client);
    const wrongToken = createCliContext();
    await runCli(['announce', 'hi', '--url', url, '--token', 'wrong'], wrongToken);
    expect(wrongToken.exitCode).toBe(1);
    expect(wrongToken.out()).toBe('');
    expect(wrongToken.err()).toMatch(/^relay: Unauthorized \(RELAY_ERR_UNAUTHORIZED\): /);
    const badRoom = createCliContext();
    await runCli(['announce', 'hi', '--url', url, '--token', 'ci-s3cr3t', '--room', 'not a room'], badRoom);
    expect(badRoom.exitCode).toBe(1);
    expect(badRoom.err()).toMatch(
      /^relay: Invalid room name \(RELAY_ERR_INVALID_ROOM\): room "not a room" is not valid/,
    );
    await runCli(['announce', 'marker', '--url', url, '--token', 'ci-s3cr3t'], createCliContext());
    expect((await hears).content).toBe('marker');
  });

  it('fails clearly without a token (exit 2) and when the relay cannot be reached (exit 1)', async () => {
    const closedPort = await freePort();
    const noToken = createCliContext();
    await runCli(['announce', 'hi', '--url', `http://127.0.0.1:${closedPort}`], noToken);
    expect(noToken.exitCode).toBe(2);
    expect(noToken.err()).toMatch(/needs an API token: --token or RELAY_CLIENT_TOKEN/);
    const unreachable = createCliContext({ env: { RELAY_CLIENT_TOKEN: 'x' } });
    await runCli(['announce', 'hi', '--url', `http://127.0.0.1:${closedPort}`], unreachable);
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.err()).toMatch(
      new RegExp(`^relay: cannot reach http://127\\.0\\.0\\.1:${closedPort}: ECONNREFUSED`),
    );
    const noText = createCliContext({ env: { RELAY_CLIENT_TOKEN: 'x' } });
    await runCli(['announce'], noText);
    expect(noText.exitCode).toBe(2);
  });

  // A server that took the connection and never answered held the command for undici's 300 s.
  it('gives up on a relay that never answers, after RELAY_CLIENT_TIMEOUT_MS (exit 1)', async () => {
    const silent = track(
      createServer(() => {}),
      (server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    );
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const ctx = createCliContext({ env: { RELAY_CLIENT_TOKEN: 'x', RELAY_CLIENT_TIMEOUT_MS: '300' } });
    await runCli(['announce', 'hi', '--url', `http://127.0.0.1:${port}`], ctx);
    expect(ctx.exitCode).toBe(1);
    expect(ctx.err()).toMatch(/did not answer within 300 ms \(RELAY_CLIENT_TIMEOUT_MS\)/);
    const bad = createCliContext({ env: { RELAY_CLIENT_TIMEOUT_MS: '-5', RELAY_CLIENT_TOKEN: 'x' } });
    await runCli(['announce', 'hi', '--url', `http://127.0.0.1:${port}`], bad);
    expect(bad.exitCode).toBe(2);
    expect(bad.err()).toMatch(/RELAY_CLIENT_TIMEOUT_MS: expected milliseconds/);
  });

  // --url at another service: a 200 of its own printed "undefined", exit 0, and a script went on.
  it('fails (exit 1) when what answers at --url is not a relay: a 2xx without an id, or a web page', async () => {
    const answers: Array<[string, string]> = [
      ['application/json', '{}'],
      ['text/html', '<html><body>welcome</body></html>'],
    ];
    for (const [type, body] of answers) {
      const other = track(
        createServer((_req, res) => res.writeHead(200, { 'content-type': type }).end(body)),
        (server) => {
          server.closeAllConnections();
          return new Promise<void>((resolve) => server.close(() => resolve()));
        },
      );
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const { port } = other.address() as AddressInfo;
      const ctx = createCliContext({ env: { RELAY_CLIENT_TOKEN: 'x' } });
      await runCli(['announce', 'hi', '--url', `http://127.0.0.1:${port}`], ctx);
      expect(ctx.exitCode, type).toBe(1);
      expect(ctx.out()).toBe('');
      expect(ctx.err()).toMatch(/is --url the relay's\?/);
      expect(ctx.err()).not.toMatch(/cannot reach/);
    }
  });

  // Two real processes started through tsx: slow on a busy two-core machine, hence the long timeout.
  it('works end to end as processes: relay serve with its generated token, then relay announce', {
    timeout: 60_000,
  }, async () => {
    // A folder of its own: relay serve records its dev relay file there, not in the checkout.
    const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-announce-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const relay = spawnRelayCli(['serve', '--port', '0', '--host', '127.0.0.1', '--greeting', 'none'], {
      cwd,
    });
    const warning = await relay.waitForLog(
      (line) => String(line.msg).includes('generated the admin token'),
      30_000,
    );
    const token = /admin token (\S+) /.exec(String(warning.msg))?.[1] ?? '';
    const url = (await relay.waitForLog((line) => line.msg === 'relay listening', 30_000)).url as string;
    const socket = track(socketIOClient(url, { reconnection: false }), (s) => s.disconnect());
    await waitForEvent(socket, 'connect', { timeoutMs: 5000 });
    const heard = waitForEvent<[string, { id: string }]>(socket, 'sendMessageFromBack', {
      timeoutMs: 45_000,
    });

    const announce = spawnRelayCli(['announce', 'Hello from a script'], {
      env: { RELAY_URL: url, RELAY_CLIENT_TOKEN: token },
    });
    expect(await announce.exited).toBe(0);
    const [content, meta] = await heard;
    expect(content).toBe('Hello from a script');
    expect(announce.stdout).toEqual([meta.id]);

    // From the relay's folder, without a URL or a token: the dev relay file has them.
    const next = waitForEvent<[string, { id: string }]>(socket, 'sendMessageFromBack', { timeoutMs: 45_000 });
    const found = spawnRelayCli(['announce', 'Hello without flags'], { cwd, env: { RELAY_URL: '' } });
    expect(await found.exited).toBe(0);
    expect((await next)[0]).toBe('Hello without flags');
  });
});
