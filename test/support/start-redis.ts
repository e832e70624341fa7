import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { track } from './cleanup.js';

/** A real `redis-server` on a free port, stopped after the test. */
export interface RedisProcess {
  readonly port: number;
  /** `redis://127.0.0.1:port` */
  readonly url: string;
  /** Stops the server (SIGTERM, or SIGKILL for a crash); its data is gone unless it persists it. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port: empty, or with what it persisted. */
  start(): Promise<void>;
  /**
   * Freezes the server (SIGSTOP): connections stay open and commands wait unanswered, never run. A
   * `stop('SIGKILL')` then ends it with those commands in flight.
   */
  pause(): void;
  /** Lets a paused server go on (SIGCONT), answering what waited. */
  resume(): void;
  readonly running: boolean;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

// Redis answers PING once it accepts connections.
async function answersPing(port: number): Promise<boolean> {
  const socket = new Socket();
  try {
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('PING\r\n');
    const [data] = await Promise.race([once(socket, 'data'), delay(500).then(() => [Buffer.from('')])]);
    return String(data).startsWith('+PONG');
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * Starts `redis-server --port N --save '' --appendonly no` on a free port and waits until it answers.
 * With `persist: true` it keeps an append-only file in a folder of its own, written before each answer
 * (`--appendonly yes --appendfsync always`), so a crash loses nothing it acknowledged and `start()`
 * brings its data back. Check `requireBinary('redis-server', ...)` first.
 */
export async function startRedis(options: { persist?: boolean } = {}): Promise<RedisProcess> {
  let port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const dir = options.persist
    ? track(await mkdtemp(path.join(tmpdir(), 'relaykit-redis-')), (folder) =>
        rm(folder, { recursive: true, force: true }),
      )
    : tmpdir();
  const persistence = options.persist
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];

  const launch = async (): Promise<void> => {
    output = '';
    const spawned = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = spawned;
    spawned.stdout?.on('data', (chunk: Buffer) => {
      output += String(chunk);
    });
    spawned.stderr?.on('data', (chunk: Buffer) => {
      output += String(chunk);
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (spawned.exitCode !== null || spawned.signalCode !== null) {
        throw new Error(`redis-server on port ${port} exited at start: ${output}`);
      }
      if (await answersPing(port)) return;
      await delay(50);
    }
    throw new Error(`redis-server on port ${port} did not answer within 10 s: ${output}`);
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
  };

  // Another process may take the free port between the probe and redis-server binding it: try again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await launch();
      break;
    } catch (error) {
      await stop('SIGKILL');
      if (attempt === 3) throw error;
      port = await freePort();
    }
  }

  const redis: RedisProcess = {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop,
    start: launch,
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
  return track(redis, (r) => r.stop('SIGKILL'));
}
