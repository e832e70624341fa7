import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type Episode, EpisodeLog } from '../relay/episode-log.js';
import type { ReadinessCheck, RelayLifecycle } from '../relay/relay-lifecycle.js';
import type { RedisLinks } from './redis-links.js';

/** How long `listen()` waits for Redis before going on not ready (it keeps reconnecting). */
const READY_WAIT_MS = 5000;
// The one episode key: failures of the node's Redis commands share a cause, whichever command failed.
const FAILURES = 'redis';

/** What {@link watchRedisHealth} gives the parts that see Redis failures of their own. */
export interface RedisFailures {
  /** Counts a failure already reported elsewhere (the stream committer logs its own). */
  readonly countFailure: () => void;
  /** Counts a failed or refused command, and logs it if it opens an episode of failures. */
  readonly failed: (command: string, error: unknown) => void;
}

/** What watching a node's Redis needs of the relay. */
export interface RedisHealthDeps {
  readonly lifecycle: RelayLifecycle;
  readonly addReadinessCheck: (name: string, check: ReadinessCheck) => void;
  readonly metricsRegistry: Registry;
  readonly log: Logger;
}

/**
 * Makes a node's Redis connections visible: the `redis` readiness check, `relay_redis_up`, and
 * `relay_adapter_errors_total`, which counts lost connections and failed commands. Returns what counts a
 * failure, for the parts that see failures of their own (the stream committer, the adapter's client).
 *
 * The adapter fires some commands without awaiting them (sessions as sockets close, pub/sub): one that
 * fails while Redis is away would be an unhandled rejection that ends the process. Each such command's
 * reply gets a handler that counts the failure; the caller still gets the same promise. Failures are
 * logged once an episode (an outage fails every queued command at once, thousands when clients came and
 * went), with a summary when they stop or Redis is back.
 *
 * @example
 * ```ts
 * const { countFailure } = watchRedisHealth(links, { lifecycle: server, addReadinessCheck, metricsRegistry, log });
 * ```
 */
export function watchRedisHealth(links: RedisLinks, deps: RedisHealthDeps): RedisFailures {
  const { log } = deps;
  const errors = new Counter({
    name: 'relay_adapter_errors_total',
    help: 'Errors of the Redis connections of the socket.io adapter (lost or refused connections, failed commands).',
    registers: [deps.metricsRegistry],
  });
  const summary = ({ first, count, startedAt, lastAt }: Episode<{ command: string }>) =>
    log.warn(
      { command: first.command, failed: count, durationMs: lastAt - startedAt },
      'Redis command failures ended',
    );
  const failures = new EpisodeLog<{ command: string }>({ ended: summary });
  // Redis is back: the next failure is a new episode's, and gets its own line.
  links.onBack(() => {
    const episode = failures.end(FAILURES);
    if (episode !== undefined && episode.count > 1) summary(episode);
  });
  deps.lifecycle.onClose(() => failures.close());
  const failed = (command: string, error: unknown) => {
    errors.inc();
    if (!failures.note(FAILURES, { command })) return;
    log.warn(
      { err: (error as Error).message, command },
      'Redis command failed; more failures are counted in relay_adapter_errors_total until they stop',
    );
  };
  for (const command of ['set', 'publish', 'xAdd'] as const) {
    const original = links.client[command].bind(links.client) as (...args: unknown[]) => Promise<unknown>;
    (links.client as unknown as Record<string, unknown>)[command] = (...args: unknown[]) => {
      const reply = original(...args);
      reply.catch((error: unknown) => failed(command, error));
      return reply;
    };
  }
  links.onError(() => errors.inc());
  new Gauge({
    name: 'relay_redis_up',
    help: '1 when every Redis connection of this node is ready, else 0.',
    // Across the workers of --workers: 0 if any of them has lost Redis.
    aggregator: 'min',
    registers: [deps.metricsRegistry],
    collect() {
      this.set(links.state.ready ? 1 : 0);
    },
  });
  deps.addReadinessCheck('redis', () => {
    const state = links.state;
    return {
      ok: state.ready,
      detail: `${state.connectionsReady}/${state.connections} Redis connections ready`,
    };
  });
  deps.lifecycle.onListen(async () => {
    if (await links.whenReady(READY_WAIT_MS)) log.info('cluster node joined through Redis');
    else log.error({ waitedMs: READY_WAIT_MS }, 'Redis unreachable; not ready until it is (still retrying)');
  });
  return { countFailure: () => errors.inc(), failed };
}
