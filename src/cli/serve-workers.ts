import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setupPrimary } from '@socket.io/cluster-adapter';
import { setupMaster } from '@socket.io/sticky';
import type { Logger } from 'pino';
import { HUB_SOURCE, type HubChannel, type HubMessage, isHubMessage } from '../cluster/hub-messages.js';
import { PrimaryHub } from '../cluster/primary-hub.js';
import { stopReadingHandedSockets } from '../cluster/stop-reading-handed-sockets.js';
import type { RelayConfig } from '../config/relay-config-schema.js';
import { listenHttp } from '../relay/listen-http.js';
import type { RelayAddress } from '../relay/relay-lifecycle.js';
import { MAX_TIMER_MS } from '../relay/with-deadline.js';
import { createRelayServer, type RelayServerOptions } from '../server/create-relay-server.js';
import type { Running } from './cli-context.js';

// The `relay` command, from src/cli/ and from dist/cli/ alike.
const RELAY_BIN = fileURLToPath(new URL('../../bin/relay.js', import.meta.url));

/** The environment variable a worker finds its part in (JSON of {@link WorkerSpec}); set by the primary. */
export const WORKER_ENV = 'RELAYKIT_WORKER';

/** What the primary tells each worker it forks. */
interface WorkerSpec {
  readonly address: RelayAddress;
  /**
   * The lead worker runs the bots and keeps the schedule store's and the webhook queue's files; the others
   * keep theirs in memory.
   */
  readonly lead: boolean;
  /** Shared by every worker: a bot connects to any of them. */
  readonly botToken: string;
  /** The admin token the primary made up when no api.tokens are configured. */
  readonly apiToken?: string;
}

/** True in a process the primary of `relay serve --workers` forked. */
export function isRelayWorker(env: Readonly<Record<string, string | undefined>>): boolean {
  return cluster.isWorker && env[WORKER_ENV] !== undefined;
}

/** A running primary: where it listens, the admin token it made up, how to stop it and its workers. */
export interface RelayPrimary extends Required<Pick<Running, 'close' | 'drain'>> {
  readonly url: string;
  readonly generatedApiToken: string | undefined;
  /** Runs `hook` once the workers have exited and the port is closed. */
  onClose(hook: () => unknown): void;
}

// A worker that exits this soon after it was forked failed at start: restarting it would loop.
const MIN_LIFETIME_MS = 5000;

/**
 * The primary of `relay serve --workers N`: listens on the port and hands each connection to a worker
 * with `@socket.io/sticky` (a session's requests always reach its worker), keeps what the workers share
 * in a {@link PrimaryHub} (or leaves that to Redis with `redisUrl`), forks `workers` copies of this
 * command and resolves once all are ready. A worker that dies is replaced, unless it died at start.
 * Stopping relays the signal to the workers and waits for them.
 */
export async function startPrimary(options: {
  config: RelayConfig;
  workers: number;
  logger: Logger;
  /** The command's arguments (`serve --workers 2 …`): each worker runs the same command. */
  argv: readonly string[];
  /**
   * The command's working directory and environment, the workers' too (runCli's may not be the
   * process's). Node adds the environment to the process's own: a variable the process has and the
   * context leaves out still reaches the workers.
   */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}): Promise<RelayPrimary> {
  const { config, logger, workers } = options;
  const log = logger.child({ part: 'primary' });
  const httpServer = createServer();
  setupMaster(httpServer, { loadBalancingMethod: 'least-connection' });
  // Else a websocket client's first frame to its worker can be read, and lost, here.
  stopReadingHandedSockets(httpServer);
  if (config.redisUrl === undefined) setupPrimary();
  // Workers run this CLI with the same arguments (not necessarily the process's: runCli may run in-process).
  // The sticky balancer hands Buffers (the first bytes of each request) over IPC.
  cluster.setupPrimary({
    exec: RELAY_BIN,
    args: [...options.argv],
    cwd: options.cwd,
    serialization: 'advanced',
  });
  const address = await listenHttp(httpServer, config.port, config.host);
  log.info({ ...address, workers }, 'relay listening');

  const apiToken = config.api.tokens.length === 0 ? randomBytes(24).toString('base64url') : undefined;
  if (apiToken) {
    log.warn(
      { apiToken: 'admin' },
      `HTTP API: no api.tokens configured, so this run generated the admin token ${apiToken} ` +
        `(send "Authorization: Bearer ${apiToken}"); it changes at every start, set RELAY_API_TOKENS=name:secret:publish to choose your own`,
    );
  }
  const spec = { address, botToken: config.botToken ?? randomBytes(24).toString('base64url'), apiToken };
  // Workers that said they are ready and have not exited: the ones asked for their metrics.
  const readyIds = new Set<number>();
  const hub = new PrimaryHub({
    workers: {
      send: (id, message) => sendIfConnected(cluster.workers?.[id], message),
      ids: () => Object.values(cluster.workers ?? {}).flatMap((worker) => (worker ? [worker.id] : [])),
      ready: () => [...readyIds].filter((id) => cluster.workers?.[id]?.isConnected()),
    },
    maxIdempotencyEntries: config.api.idempotencyMaxEntries,
  });
  cluster.on('message', (worker, message) => hub.receive(worker.id, message));

  let stopping: Promise<void> | undefined;
  const closeHooks: Array<() => unknown> = [];
  const fork = (lead: boolean): { worker: Worker; ready: Promise<void> } => {
    const worker = cluster.fork({
      ...options.env,
      [WORKER_ENV]: JSON.stringify({ ...spec, lead } satisfies WorkerSpec),
    });
    const forkedAt = Date.now();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (isHubMessage(message) && message.kind === 'ready') {
          readyIds.add(worker.id);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('exit', (code, signal) => {
        readyIds.delete(worker.id);
        worker.off('message', onMessage);
        reject(new Error(`worker ${worker.id} exited (${signal ?? `code ${code}`}) before it was ready`));
        if (stopping) return;
        if (Date.now() - forkedAt < MIN_LIFETIME_MS) {
          log.error({ worker: worker.id, code, signal }, 'worker died at start; not restarting it');
          return;
        }
        log.error({ worker: worker.id, code, signal }, 'worker died; starting another');
        fork(lead).ready.catch(() => undefined);
      });
    });
    return { worker, ready };
  };
  // The lead first: once it is ready it has told the primary what its store holds (runtime jobs, pauses
  // of config jobs), so the other workers' schedulers start knowing them.
  const allReady = fork(true).ready.then(() =>
    Promise.all(Array.from({ length: workers - 1 }, () => fork(false).ready)),
  );

  const stop = (signal: 'SIGINT' | 'SIGTERM'): Promise<void> => {
    const wasStopping = stopping !== undefined;
    const run = async () => {
      const alive = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker);
      const exited = alive.map((worker) => (worker.isDead() ? Promise.resolve() : once(worker, 'exit')));
      for (const worker of alive) sendIfConnected(worker, { source: HUB_SOURCE, kind: 'stop', signal });
      // At most Node's longest timer: past it a timer fires at once, and the workers would be killed.
      const graceMs = Math.min(
        (signal === 'SIGTERM' ? config.drainDelayMs : 0) + config.shutdownTimeoutMs + 10_000,
        MAX_TIMER_MS,
      );
      const timer = setTimeout(() => {
        log.warn({ graceMs }, 'workers still running; killing them');
        for (const worker of alive) worker.process.kill('SIGKILL');
      }, graceMs);
      await Promise.all(exited);
      clearTimeout(timer);
      if (!wasStopping) {
        // Not awaited: the connections handed to workers still count in the primary's server (Node does
        // not track a socket once sent to another process), so its close callback would never come.
        httpServer.close();
        httpServer.closeAllConnections();
        for (const hook of closeHooks) {
          try {
            await hook();
          } catch (error) {
            log.error({ err: error }, 'close hook failed');
          }
        }
        log.info('relay closed');
      }
    };
    const done = run();
    stopping ??= done;
    return wasStopping ? done : stopping;
  };

  try {
    await allReady;
  } catch (error) {
    await stop('SIGINT');
    throw error;
  }
  return {
    url: address.url,
    generatedApiToken: apiToken,
    drain: () => stop('SIGTERM'),
    close: () => stop('SIGINT'),
    onClose: (hook) => closeHooks.push(hook),
  };
}

/**
 * A worker of `relay serve --workers`: the relay of `options`, not listening but fed by the primary,
 * the shared tokens the primary chose, the bots and the schedule store's file only on the lead worker.
 * Resolves once started; the primary is told then.
 */
export async function startWorker(
  options: RelayServerOptions & { config: RelayConfig },
  env: Readonly<Record<string, string | undefined>>,
): Promise<Running> {
  const { config, ...serverOptions } = options;
  const spec = JSON.parse(env[WORKER_ENV] ?? '{}') as WorkerSpec;
  const worker = cluster.worker;
  if (!worker) throw new Error('startWorker runs in a worker process of node:cluster');
  const hub = worker as unknown as HubChannel;
  const server = createRelayServer({
    ...serverOptions,
    botToken: spec.botToken,
    api: { ...config.api, ...(spec.apiToken ? { tokens: [`admin:${spec.apiToken}:admin`] } : {}) },
    ...(spec.lead ? {} : { plugins: undefined }),
    scheduler: { ...serverOptions.scheduler, ...(spec.lead ? {} : { store: ':memory:' }) },
    // A webhook queue's file is one process's: two dispatchers on one file would send a delivery twice.
    webhooks: { ...serverOptions.webhooks, ...(spec.lead ? {} : { store: ':memory:' }) },
    ...(serverOptions.logger ? { logger: serverOptions.logger.child({ worker: worker.id }) } : {}),
    clusterWorker: { hub },
  });
  await server.attach(spec.address);
  worker.send({ source: HUB_SOURCE, kind: 'ready' });
  return {
    close: () => server.close(),
    drain: () => server.drain(),
    followStops: (stop) =>
      hub.on('message', (message) => {
        if (isHubMessage(message) && message.kind === 'stop') stop(message.signal);
      }),
  };
}

// A worker between its disconnect and its exit is still listed: a send to it would fail with an 'error'
// event nothing listens to, which ends the primary. With a callback, the failure is the callback's.
function sendIfConnected(worker: Worker | undefined, message: HubMessage): void {
  if (worker?.isConnected()) worker.send(message, () => undefined);
}
