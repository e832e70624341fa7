import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReadinessCheck, RelayLifecycle } from '../relay/relay-lifecycle.js';
import type { RedisLinks } from './redis-links.js';

/** How long `listen()` waits for Redis before going on not ready (it keeps reconnecting). */
const READY_WAIT_MS = 5000;
/** Failed commands are logged at most this often while Redis does not come back in between. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

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
 * failure, for the parts (the stream committer) that see failures of their own.
 *
 * The adapter fires some commands without awaiting them (sessions as sockets close, pub/sub): one that
 * fails while Redis is away would be an unhandled rejection that ends the process. Each such command's
 * reply gets a handler that counts the failure; the caller still gets the same promise. The first failure
 * of an outage is logged, the rest only counted until Redis is back (or for a minute, on a connection
 * that stays up): an outage fails every queued command at once, thousands when clients came and went.
 *
 * @example
 * ```ts
 * const countFailure = watchRedisHealth(links, { lifecycle: server, addReadinessCheck, metricsRegistry, log });
 * ```
 */
export function watchRedisHealth(links: RedisLinks, deps: RedisHealthDeps): () => void {
  const { log } = deps;
  const errors = new Counter({
    name: 'relay_adapter_errors_total',
    help: 'Errors of the Redis connections of the socket.io adapter (lost or refused connections, failed commands).',
    registers: [deps.metricsRegistry],
  });
  // When the last failure was logged: once an outage (reset when Redis is back), or once a minute for
  // failures on a connection that stays up (a Redis refusing writes).
  let loggedAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  links.onBack(() => {
    loggedAt = Number.NEGATIVE_INFINITY;
    unlogged = 0;
  });
  for (const command of ['set', 'publish', 'xAdd'] as const) {
    const original = links.client[command].bind(links.client) as (...args: unknown[]) => Promise<unknown>;
    (links.client as unknown as Record<string, unknown>)[command] = (...args: unknown[]) => {
      const reply = original(...args);
      reply.catch((error: unknown) => {
        errors.inc();
        const now = Date.now();
        if (now - loggedAt < FAILURE_LOG_INTERVAL_MS) {
          unlogged += 1;
          return;
        }
        loggedAt = now;
        const notLogged = unlogged;
        unlogged = 0;
        log.warn(
          { err: (error as Error).message, command, ...(notLogged > 0 ? { notLogged } : {}) },
          'Redis command failed; more failures are counted in relay_adapter_errors_total, logged again once Redis is back or after a minute',
        );
      });
      return reply;
    };
  }
  links.onError(() => errors.inc());
  new Gauge({
    name: 'relay_redis_up',
    help: '1 when every Redis connection of this node is ready, else 0.',
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
  return () => errors.inc();
}
