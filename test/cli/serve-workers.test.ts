// `relay serve --workers 2`: real processes (a primary and two node:cluster workers), real clients through
// the primary's sticky balancer, polling and websocket.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { MessageMeta } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { workdirWithShippedPlugins } from '../support/shipped-plugins.js';
import { type CliProcess, spawnRelayCli } from '../support/spawn-relay-cli.js';
import { startRedis } from '../support/start-redis.js';
import { waitForEvent } from '../support/wait-for-event.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

type Heard = Array<{ content: unknown; meta: MessageMeta }>;

function listen(client: TestClient): Heard {
  const heard: Heard = [];
  client.on('sendMessageFromBack', (content, meta) => heard.push({ content, meta }));
  return heard;
}

async function startWorkers(cwd: string, extra: string[] = []): Promise<{ relay: CliProcess; url: string }> {
  const relay = spawnRelayCli(
    ['serve', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--log-format', 'json', ...extra],
    { cwd, env: { RELAY_DRAIN_DELAY_MS: '0', RELAY_GREETING: 'none' } },
  );
  const started = await relay.waitForLog((line) => line.msg === 'relay started', 30_000);
  return { relay, url: started.url as string };
}

// A folder whose config has a token with `scope` and a job `tick` every second; removed after the test.
async function tickFolder(scope: 'publish' | 'admin'): Promise<string> {
  const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-workers-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
  const config = ['api:', `  tokens: ["ci:s3cr3t-token:${scope}"]`, 'schedules:'];
  config.push('  - { id: tick, cron: "* * * * * *", content: tick }', '');
  await writeFile(path.join(cwd, 'relay.config.yaml'), config.join('\n'));
  return cwd;
}

// Which worker serves a client: its "client connected" line says (the socket field is meta.from.id).
async function workerOf(relay: CliProcess, client: TestClient): Promise<unknown> {
  const id = client.id;
  const line = await relay.waitForLog((l) => l.msg === 'client connected' && l.socket === id);
  return line.worker;
}

describe('relay serve --workers', () => {
  it('carries messages between clients of different workers, runs the bots once, and SIGTERM closes every process', {
    timeout: 60_000,
  }, async () => {
    const { relay, url } = await startWorkers(await workdirWithShippedPlugins());
    for (const worker of [1, 2]) {
      await relay.waitForLog((line) => line.msg === 'relay attached' && line.worker === worker);
    }
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);

    // A polling client on one worker, a websocket client on the other (the bots' clients count too in
    // the least-connection balancing, so try a few).
    const polling = await connectClient(url, { transports: ['polling'] });
    const pollingWorker = await workerOf(relay, polling);
    const heardByPolling = listen(polling);
    let websocket = await connectClient(url, { transports: ['websocket'] });
    for (let tries = 0; (await workerOf(relay, websocket)) === pollingWorker; tries++) {
      if (tries === 10) throw new Error("every websocket client went to the polling client's worker");
      websocket = await connectClient(url, { transports: ['websocket'] });
    }
    const heardByWebsocket = listen(websocket);

    const fromPolling = waitForEvent<[string, MessageMeta]>(websocket, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (content) => content === 'over polling',
    });
    polling.emit('sendMessage', 'over polling');
    await fromPolling;
    const fromWebsocket = waitForEvent<[string, MessageMeta]>(polling, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (content) => content === 'over websocket',
    });
    websocket.emit('sendMessage', 'over websocket');
    await fromWebsocket;

    // The shipped ping bot runs in one worker only: one pong, not one per worker.
    polling.emit('sendMessage', '!ping');
    const isPong = (entry: Heard[number]) => String(entry.content).startsWith('pong');
    await vi.waitUntil(() => heardByPolling.some(isPong) && heardByWebsocket.some(isPong), {
      timeout: 10_000,
      interval: 20,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // quiet window: no second pong
    expect(heardByPolling.filter(isPong)).toHaveLength(1);
    expect(heardByWebsocket.filter(isPong)).toHaveLength(1);

    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    // Both workers and the primary ('exit' may come before the last lines are read).
    for (const worker of [1, 2, undefined]) {
      await relay.waitForLog((line) => line.msg === 'relay closed' && line.worker === worker);
    }
  });

  it('runs each schedule slot on one worker, and answers an idempotent retry on the other worker with the first answer', {
    timeout: 60_000,
  }, async () => {
    const cwd = await tickFolder('publish');
    const { relay, url } = await startWorkers(cwd);

    // Four slots ran: by then any second run of the first three would have happened.
    const ran = () =>
      relay.stdout.flatMap((line) => {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return parsed.msg === 'job ran' && parsed.job === 'tick' ? [parsed] : [];
      });
    await vi.waitUntil(() => new Set(ran().map((line) => line.scheduledFor)).size >= 4, {
      timeout: 15_000,
      interval: 50,
    });
    const slots = [...new Set(ran().map((line) => line.scheduledFor))].slice(0, 3);
    for (const slot of slots) {
      expect(
        ran().filter((line) => line.scheduledFor === slot),
        `runs of ${slot}`,
      ).toHaveLength(1);
    }

    // No bots here: the client on worker 1 makes the request go to worker 2 (least-connection), the
    // second client then goes to worker 2, and once the first is gone the retry goes to worker 1.
    const first = await connectClient(url, { transports: ['websocket'] });
    const heardByFirst = listen(first);
    const post = () =>
      fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer s3cr3t-token',
          'content-type': 'application/json',
          'idempotency-key': 'release-42',
        },
        body: JSON.stringify({ content: 'released once' }),
      });
    const answer = await post();
    expect(answer.status).toBe(202);
    const firstBody = (await answer.json()) as { id: string };
    await vi.waitUntil(() => heardByFirst.some((entry) => entry.content === 'released once'), {
      timeout: 5000,
      interval: 20,
    });
    const second = await connectClient(url, { transports: ['websocket'] });
    const heardBySecond = listen(second);
    expect(await workerOf(relay, first)).toBe(1);
    expect(await workerOf(relay, second)).toBe(2);
    first.disconnect();
    await relay.waitForLog((line) => line.msg === 'client disconnected' && line.worker === 1);

    const retry = await post();
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { id: string }).id).toBe(firstBody.id);
    await new Promise((resolve) => setTimeout(resolve, 500)); // quiet window: not published again
    expect(heardBySecond.filter((entry) => entry.content === 'released once')).toHaveLength(0);
  });

  // The workers without the store file started with config jobs unpaused, and the primary, empty after
  // a restart of them all, had no pause to give them: a paused job announced again.
  it('keeps a paused config job paused on every worker after a restart of them all', {
    timeout: 60_000,
  }, async () => {
    const cwd = await tickFolder('admin');
    const runsOf = (relay: CliProcess) =>
      relay.stdout.filter((line) => {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return parsed.msg === 'job ran' && parsed.job === 'tick';
      }).length;
    const first = await startWorkers(cwd);
    await vi.waitUntil(() => runsOf(first.relay) >= 1, { timeout: 15_000, interval: 50 });
    const paused = await fetch(`${first.url}/v1/schedules/tick/pause`, {
      method: 'POST',
      headers: { authorization: 'Bearer s3cr3t-token' },
    });
    expect(paused.status).toBe(200);
    first.relay.child.kill('SIGTERM');
    expect(await first.relay.exited).toBe(0);

    const second = await startWorkers(cwd);
    const listed = await fetch(`${second.url}/v1/schedules/tick`, {
      headers: { authorization: 'Bearer s3cr3t-token' },
    });
    expect(await listed.json()).toMatchObject({ id: 'tick', paused: true });
    // Three slots of an every-second job: a worker that did not know of the pause would have run one.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(runsOf(second.relay)).toBe(0);
  });

  it('runs as the primary in-process (runCli), records the dev relay, and drains its workers', {
    timeout: 60_000,
  }, async () => {
    const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-workers-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const ctx = createCliContext({ cwd });
    await runCli(
      [
        'serve',
        '--workers',
        '2',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--log-format',
        'json',
        '--greeting',
        'none',
      ],
      ctx,
    );
    expect(ctx.err()).toBe('');
    const running = track(ctx.running, (r) => r?.close());
    const file = path.join(cwd, '.relaykit', 'dev-relay.json');
    const { url, apiToken } = JSON.parse(await readFile(file, 'utf8')) as { url: string; apiToken: string };
    // The token the primary made up is the workers' too.
    const published = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'from the API' }),
    });
    expect(published.status).toBe(202);
    const client = await connectClient(url, { transports: ['polling'] });
    const echoed = waitForEvent<[string]>(client, 'sendMessageFromBack', { timeoutMs: 5000 });
    client.emit('sendMessage', 'hello workers');
    expect((await echoed)[0]).toBe('hello workers');
    // The workers worked in the command's directory, not the process's: their history is kept there.
    expect(existsSync(path.join(cwd, '.relaykit', 'history.db'))).toBe(true);
    await running?.drain?.();
    expect(existsSync(file)).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("holds a terminal's Ctrl-C that reaches every process while the workers start, then closes them all, exit 0", {
    timeout: 60_000,
  }, async () => {
    const relay = spawnRelayCli(
      ['serve', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--greeting', 'none'],
      { group: true },
    );
    // A worker's first line comes while it starts, before it is attached: Ctrl-C now reaches it mid-start.
    await relay.waitForLog((line) => line.worker === 1 && line.part === 'workers', 30_000);
    process.kill(-(relay.child.pid as number), 'SIGINT');
    expect(await relay.exited).toBe(0);
    expect(relay.stderr).toEqual(['relay: SIGINT while starting; stopping once started']);
    for (const worker of [1, 2]) {
      await relay.waitForLog((line) => line.msg === 'relay closed' && line.worker === worker);
    }
  });

  it('refuses --workers 0 and --workers 65 (at most 64) before starting anything', async () => {
    for (const workers of ['0', '65']) {
      const ctx = createCliContext({ cwd: tmpdir() });
      await runCli(['serve', '--workers', workers, '--port', '0'], ctx);
      expect(ctx.exitCode).toBe(2);
      expect(ctx.err()).toContain('setting "workers" is invalid: expected an integer from 1 to 64');
      expect(ctx.running).toBeUndefined();
    }
  });

  it.runIf(HAS_REDIS)(
    'with redisUrl, makes each worker a node of the Redis cluster: messages cross, slots run once',
    {
      timeout: 60_000,
    },
    async () => {
      const redis = await startRedis();
      const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-workers-')), (dir) =>
        rm(dir, { recursive: true, force: true }),
      );
      await writeFile(
        path.join(cwd, 'relay.config.yaml'),
        'schedules:\n  - { id: tick, cron: "* * * * * *", content: tick }\n',
      );
      const { relay, url } = await startWorkers(cwd, ['--redis-url', redis.url]);
      const a = await connectClient(url, { transports: ['polling'] });
      let b = await connectClient(url, { transports: ['websocket'] });
      for (let tries = 0; (await workerOf(relay, b)) === (await workerOf(relay, a)); tries++) {
        if (tries === 10) throw new Error('every client went to one worker');
        b = await connectClient(url, { transports: ['websocket'] });
      }
      const crossed = waitForEvent<[string]>(b, 'sendMessageFromBack', {
        timeoutMs: 5000,
        filter: (content) => content === 'through Redis',
      });
      a.emit('sendMessage', 'through Redis');
      await crossed;
      const ran = () =>
        relay.stdout.flatMap((line) => {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          return parsed.msg === 'job ran' && parsed.job === 'tick' ? [parsed] : [];
        });
      await vi.waitUntil(() => new Set(ran().map((line) => line.scheduledFor)).size >= 4, {
        timeout: 15_000,
        interval: 50,
      });
      for (const slot of [...new Set(ran().map((line) => line.scheduledFor))].slice(0, 3)) {
        expect(
          ran().filter((line) => line.scheduledFor === slot),
          `runs of ${slot}`,
        ).toHaveLength(1);
      }
      // Recovery sessions live in Redis here: no worker says it is off.
      expect(relay.stdout.some((line) => line.includes('connection state recovery needs redisUrl'))).toBe(
        false,
      );
    },
  );

  it('replaces a worker that dies once it has run a while', { timeout: 60_000 }, async () => {
    const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-workers-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const { relay, url } = await startWorkers(cwd);
    const pid = relay.child.pid as number;
    const workers = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(workers).toHaveLength(2);
    // Past the 5 s within which a dying worker counts as failing at start (and is not restarted).
    await new Promise((resolve) => setTimeout(resolve, 5500));
    process.kill(workers[1] as number, 'SIGKILL');
    await relay.waitForLog((line) => line.msg === 'worker died; starting another');
    await relay.waitForLog((line) => line.msg === 'relay attached' && line.worker === 3, 20_000);
    const client = await connectClient(url, { transports: ['polling'] });
    const echoed = waitForEvent<[string]>(client, 'sendMessageFromBack', { timeoutMs: 5000 });
    client.emit('sendMessage', 'still here');
    expect((await echoed)[0]).toBe('still here');
  });
});
