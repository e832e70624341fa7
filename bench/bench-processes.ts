// Starting the processes of a benchmark: one server (RelayKit or the bare baseline) and load workers,
// each a separate Node process running TypeScript through tsx, with the open-file limit raised.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadCommand, LoadReply } from './load/load-protocol.js';
import type { ServerReport, ServerRequest } from './servers/server-child.js';

/** The two servers every workload runs against. */
export type Target = 'relaykit' | 'bare';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// Absolute, so that processes can run in a scratch working directory.
const TSX = import.meta.resolve('tsx');

// A shell raises the soft open-file limit to the hard one (10 000 idle clients need 10 000 sockets).
function spawnNode(
  file: string,
  nodeFlags: readonly string[],
  env: NodeJS.ProcessEnv,
  stdout: 'inherit' | number,
  cwd?: string,
): ChildProcess {
  const flags = [`--import=${TSX}`, '--conditions=relaykit-source', ...nodeFlags]
    .map((f) => `'${f}'`)
    .join(' ');
  const script = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec '${process.execPath}' ${flags} '${file}'`;
  return spawn('sh', ['-c', script], {
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
    serialization: 'advanced',
    env: { ...process.env, ...env },
    cwd,
  });
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`${what} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

/** Memory and CPU of a server process, after a full GC. */
export type ServerStats = Extract<ServerReport, { type: 'stats' }>;

/** A running server process. */
export interface ServerHandle {
  readonly target: Target;
  readonly url: string;
  readonly notes: readonly string[];
  stats(): Promise<ServerStats>;
  /** Stops the server; resolves with its warn/error log lines, counted (`3× "input refused" (CODE)`). */
  stop(): Promise<string[]>;
}

/** Starts a server process and waits until it listens. `cpuProfileDir` turns on `--cpu-prof`. */
export async function startServer(
  target: Target,
  options: object,
  cpuProfileDir?: string,
): Promise<ServerHandle> {
  const file = here(target === 'relaykit' ? './servers/relaykit-server.ts' : './servers/bare-server.ts');
  const flags = ['--expose-gc', ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [])];
  // A scratch working directory: RelayKit keeps its bot stores and schedule database under it.
  // Its stdout (RelayKit's JSON log lines) goes to a file there, read for warnings when it stops.
  const cwd = mkdtempSync(join(tmpdir(), `relaykit-bench-${target}-`));
  const logFile = join(cwd, 'server.log');
  const logFd = openSync(logFile, 'w');
  const child = spawnNode(file, flags, { BENCH_SERVER_OPTIONS: JSON.stringify(options) }, logFd, cwd);
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await firstMessage<Extract<ServerReport, { type: 'ready' }>>(child, `${target} server`);
  const request = (message: ServerRequest) => child.send(message);
  return {
    target,
    url: `http://127.0.0.1:${ready.port}`,
    notes: ready.notes,
    stats: () => {
      const answer = firstMessage<ServerStats>(child, `${target} server`);
      request({ type: 'stats' });
      return answer;
    },
    stop: async () => {
      if (child.exitCode === null) {
        request({ type: 'stop' });
        await exited;
      }
      const warnings = logWarnings(logFile);
      rmSync(cwd, { recursive: true, force: true });
      return warnings;
    },
  };
}

// Warn and error lines of a RelayKit log, counted by message and code: refusals, slow-consumer cuts.
function logWarnings(file: string): string[] {
  const counts = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; code?: string; apiToken?: string };
      // The generated API token's warning is start-up noise, not something the workload caused.
      if ((entry.level ?? 0) < 40 || entry.apiToken !== undefined) continue;
      const key = `"${entry.msg ?? '?'}"${entry.code ? ` (${entry.code})` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      // Not a log line.
    }
  }
  return [...counts].map(([key, n]) => `${n}× ${key}`);
}

/** A load-generator process driven by request/reply over IPC. */
export interface LoadWorker {
  call<T>(command: LoadCommand): Promise<T>;
  /** Disconnects its clients and gives the process back to the pool for the next run. */
  close(): Promise<void>;
}

interface PooledWorker {
  readonly child: ChildProcess;
  call<T>(command: LoadCommand): Promise<T>;
}

// Load workers are reused across runs: starting a TypeScript process costs about a second.
const idleWorkers: PooledWorker[] = [];
const allWorkers = new Set<PooledWorker>();

async function spawnLoadWorker(): Promise<PooledWorker> {
  const child = spawnNode(here('./load/load-worker.ts'), [], {}, 'inherit');
  await firstMessage<LoadReply>(child, 'load worker');
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (reply: LoadReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(new Error(reply.error));
  });
  const worker: PooledWorker = {
    child,
    call: <T>(command: LoadCommand) =>
      new Promise<T>((resolve, reject) => {
        if (child.exitCode !== null) return reject(new Error('load worker has exited'));
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, command });
      }),
  };
  child.on('exit', (code) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`load worker exited with ${code}`));
    pending.clear();
    allWorkers.delete(worker);
    const index = idleWorkers.indexOf(worker);
    if (index >= 0) idleWorkers.splice(index, 1);
  });
  allWorkers.add(worker);
  return worker;
}

/** A load worker from the pool, or a new one; ready for commands. */
export async function startLoadWorker(): Promise<LoadWorker> {
  const worker = idleWorkers.pop() ?? (await spawnLoadWorker());
  let released = false;
  return {
    call: (command) => worker.call(command),
    close: async () => {
      if (released) return;
      released = true;
      try {
        await worker.call({ cmd: 'reset' });
        idleWorkers.push(worker);
      } catch {
        worker.child.kill();
      }
    },
  };
}

/** Ends every load worker; the last step of a bench run. */
export async function closeLoadWorkers(): Promise<void> {
  await Promise.all(
    [...allWorkers].map(async (worker) => {
      const exited = new Promise<void>((resolve) => worker.child.once('exit', () => resolve()));
      await worker.call({ cmd: 'close' }).catch(() => undefined);
      await exited;
    }),
  );
}
