import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Counter, Gauge } from 'prom-client';
import type { IdempotencyStore } from '../http/idempotency-store.js';
import type { RelayServer } from '../server/relay-server.js';
import { persistSessionsEagerly } from './persist-sessions-eagerly.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';
import { RedisLinks } from './redis-links.js';
import { shareRuntimeJobs } from './share-runtime-jobs.js';
import { type StreamsAdapter, streamCommitter } from './stream-committer.js';

/** How long `listen()` waits for Redis before going on not ready (it keeps reconnecting). */
const READY_WAIT_MS = 5000;
const SESSION_PREFIX = 'relaykit:session:';
const STREAM = 'relaykit:messages';
// The stream is also the replay log of recovery: about the last 10 000 broadcasts.
const STREAM_MAX_LEN = 10_000;

/** What a node shares with its cluster, for the features that need it. */
export interface RedisCluster {
  /** The node's main Redis client, for features that keep shared state (e.g. the scheduler's slot claims). */
  readonly client: RedisLinks['client'];
  readonly links: RedisLinks;
  /** Idempotent HTTP answers, shared so that a retry on another node is not published twice. */
  readonly idempotencyStore: IdempotencyStore;
}

/**
 * Makes `server` one node of a cluster when `redisUrl` is set: socket.io's Redis Streams adapter
 * carries every broadcast (rooms included) to the other nodes and keeps connection-state-recovery
 * sessions in Redis, so a client that drops can recover on any node. Adds the `redis` readiness check
 * and the `relay_adapter_errors_total` and `relay_redis_up` metrics; closes the Redis connections after
 * the sockets (their sessions are persisted as they close). Returns undefined without `redisUrl`.
 *
 * Why the Streams adapter rather than the pub/sub one: RelayKit enables connection state recovery by
 * default, which only the Streams adapter supports across nodes; and a Redis blip does not lose
 * broadcasts: each node resumes reading the stream where it stopped.
 *
 * @example
 * ```ts
 * const server = createRelayServer({ redisUrl: 'redis://127.0.0.1:6379' }); // mounts it
 * await server.listen();
 * server.checkReadiness().checks.redis; // { ok: true, detail: '4/4 Redis connections ready' }
 * ```
 */
export function mountRedisAdapter(server: RelayServer): RedisCluster | undefined {
  const url = server.config.redisUrl;
  if (url === undefined) return undefined;
  const log = server.logger.child({ part: 'cluster', redis: redactUrl(url) });
  const links = new RedisLinks({ url, logger: log });
  server.io.adapter(
    createAdapter(links.client, {
      streamName: STREAM,
      channelPrefix: 'relaykit',
      sessionKeyPrefix: SESSION_PREFIX,
      maxLen: STREAM_MAX_LEN,
      // A blocking read holds a connection this long; short enough that closing never waits for it.
      blockTimeInMs: 1000,
    }),
  );
  const errors = new Counter({
    name: 'relay_adapter_errors_total',
    help: 'Errors of the Redis connections of the socket.io adapter (lost or refused connections, failed commands).',
    registers: [server.metricsRegistry],
  });
  links.connect().catch((error: unknown) => log.error({ err: error }, 'Redis connection failed'));
  // An ack means the message is in the stream: publishes wait for Redis, or are refused (NOT_READY).
  const adapter = server.io.of('/').adapter as unknown as StreamsAdapter;
  server.relay.commitWith(
    streamCommitter(adapter, links.client, {
      stream: STREAM,
      maxLen: STREAM_MAX_LEN,
      onFailure: () => errors.inc(),
    }),
  );
  // The adapter fires some commands without awaiting them (sessions as sockets close, pub/sub): one that
  // fails while Redis is away must be counted, not become an unhandled rejection that ends the process.
  // It awaits xAdd (a broadcast for the other nodes), but outside a commit only notes a failure in its
  // debug output.
  for (const command of ['set', 'publish', 'xAdd'] as const) {
    const original = links.client[command].bind(links.client) as (...args: unknown[]) => Promise<unknown>;
    (links.client as unknown as Record<string, unknown>)[command] = (...args: unknown[]) => {
      const reply = original(...args);
      reply.catch((error: unknown) => {
        errors.inc();
        log.warn({ err: (error as Error).message, command }, 'Redis command failed');
      });
      return reply;
    };
  }
  persistSessionsEagerly(server, {
    deleteSession: (pid) => links.client.del(`${SESSION_PREFIX}${pid}`),
  });

  links.onError(() => errors.inc());
  new Gauge({
    name: 'relay_redis_up',
    help: '1 when every Redis connection of this node is ready, else 0.',
    registers: [server.metricsRegistry],
    collect() {
      this.set(links.state.ready ? 1 : 0);
    },
  });
  server.addReadinessCheck('redis', () => {
    const state = links.state;
    return {
      ok: state.ready,
      detail: `${state.connectionsReady}/${state.connections} Redis connections ready`,
    };
  });

  server.onListen(async () => {
    if (await links.whenReady(READY_WAIT_MS)) log.info('cluster node joined through Redis');
    else log.error({ waitedMs: READY_WAIT_MS }, 'Redis unreachable; not ready until it is (still retrying)');
  });
  // Runtime jobs (added over HTTP) and pauses reach every node, so a job outlives the node that got it.
  shareRuntimeJobs(server, links, log);
  // After the sockets phase: closing sockets persist their recovery sessions through the main client.
  server.onClose(() => links.close());
  return { client: links.client, links, idempotencyStore: new RedisIdempotencyStore(links.client) };
}

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparseable)';
  }
}
