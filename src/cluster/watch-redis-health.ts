import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type Episode, EpisodeLog } from '../relay/episode-log.js';
import { RelayError } from '../relay/relay-error.js';
import type { ReadinessCheck, RelayLifecycle } from '../relay/relay-lifecycle.js';
import type { RedisLinks } from './redis-links.js';

/** How long `listen()` waits for Redis before going on not ready (it keeps reconnecting). */
const READY_WAIT_MS = 5000;
// The one episode key: failures of the node's Redis commands share a cause, whichever command failed.
const FAILURES = 'redis';

const offline = (command: string) =>
  new RelayError(
    'RELAY_ERR_NOT_READY',
    `Redis is unreachable: ${command} was refused, not queued until it is back`,
  );

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
 * The adapter fires some commands without awaiting them (sessions as sockets close, presence, pub/sub):
 * one that fails while Redis is away would be an unhandled rejection that ends the process. Each such
 * command's reply gets a handler that counts the failure; the caller still gets the same promise.
 * While the main connection is not ready they are refused at once: node-redis would queue them without
 * a bound until Redis is back (memory for every client that came and went), then write stale sessions
 * and presence. RelayKit's own writes check readiness first anyway. Failures are logged once an episode
 * (a stall fails every command it held at once, thousands when clients came and went), with a summary
 * when they stop or Redis is back.
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
  for (const command of ['set', 'publish', 'xAdd', 'del'] as const) {
    const original = links.client[command].bind(links.client) as (...args: unknown[]) => Promise<unknown>;
    (links.client as unknown as Record<string, unknown>)[command] = (...args: unknown[]) => {
      const reply = links.client.isReady ? original(...args) : Promise.reject(offline(command));
      reply.catch((error: unknown) => {
        errors.inc();
        if (!failures.note(FAILURES, { command })) return;
        log.warn(
          { err: (error as Error).message, command },
          'Redis command failed; more failures are counted in relay_adapter_errors_total until they stop',
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
