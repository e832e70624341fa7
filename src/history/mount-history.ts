import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HttpApi } from '../http/mount-http-api.js';
import type { HistoryQuery } from '../relay/message-log.js';
import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import type { RelayIo } from '../relay/relay-io.js';
import type { ReadinessCheck, RelayLifecycle } from '../relay/relay-lifecycle.js';
import { historyRoutes } from './history-routes.js';
import type { HistoryStore } from './history-store.js';
import { type HistoryRedis, RedisMessageLog } from './redis-message-log.js';
import { replayOnConnect } from './replay-on-connect.js';
import { type HistorySettings, SqliteMessageLog } from './sqlite-message-log.js';

/** The `history` setting as the feature reads it: the store's settings, where it is, and replay. */
export interface HistoryFeatureSettings extends HistorySettings {
  /** `sqlite` (this node's file) or `redis` (shared by every node); default: `redis` when given `redis`. */
  readonly backend?: 'sqlite' | 'redis' | undefined;
  /** Messages a person's new (not recovered) connection is sent from its room's history; 0: none. */
  readonly replayOnConnect?: number;
}

/** What mounting the history needs of the relay. */
export interface HistoryDeps {
  readonly relay: Relay;
  /** For `messageRedacted` events, the SSE streams' room membership and replay on connect. */
  readonly io: RelayIo;
  readonly lifecycle: RelayLifecycle;
  readonly addReadinessCheck: (name: string, check: ReadinessCheck) => void;
  readonly metricsRegistry: Registry;
  readonly logger: Logger;
  readonly api: HttpApi;
  readonly settings: HistoryFeatureSettings;
  /** The cluster's Redis client (with `redisUrl`): the history is kept there unless `backend: 'sqlite'`. */
  readonly redis?: HistoryRedis | undefined;
  /** The clock of age retention (tests). */
  readonly now?: () => number;
  /** Event streams: how long a reader may leave its buffer full (ms), and the heartbeat interval (tests). */
  readonly streams?: { readonly slowReaderMs?: number; readonly heartbeatMs?: number };
}

/**
 * Keeps the relay's history, in SQLite or, in a cluster, in Redis (every node reads the same): every
 * accepted message is stored before it is delivered and acknowledged (`Relay.logWith`); adds the `/v1`
 * history routes (read, redact, Server-Sent Events), the `historyStore` readiness check, the
 * `relay_history_*` metrics, and the opt-in replay on connect; closes the log last. Throws
 * `RELAY_ERR_HISTORY_STORE` when the SQLite store cannot be opened, or for `backend: 'redis'` without
 * Redis.
 *
 * @example
 * ```ts
 * const log = mountHistory({ relay, io, lifecycle: server, addReadinessCheck, metricsRegistry, logger, api, settings });
 * ```
 */
export function mountHistory(deps: HistoryDeps): HistoryStore {
  const logger = deps.logger.child({ part: 'history' });
  const log = openStore(deps, logger);
  const stopLogging = deps.relay.logWith(log);
  deps.addReadinessCheck('historyStore', () => log.health());
  const routes = historyRoutes({
    log,
    relay: deps.relay,
    io: deps.io,
    lifecycle: deps.lifecycle,
    logger,
    ...deps.streams,
  });
  deps.api.v1.use(routes.router);
  const replayCount = deps.settings.replayOnConnect ?? 0;
  // Through the relay, as the other readers: a replay is one page, held to its size bound (~1 MiB).
  const reader = { read: (query: HistoryQuery) => deps.relay.readHistory(query) };
  if (replayCount > 0) replayOnConnect({ io: deps.io, log: reader, logger, count: replayCount });
  const registry = deps.metricsRegistry;
  new Gauge({
    name: 'relay_history_store_available',
    help: '1 while the history store can keep messages, 0 while it refuses them (see /readyz).',
    // Across the workers of --workers: 0 if any of them refuses.
    aggregator: 'min',
    registers: [registry],
    collect() {
      this.set(log.health().ok ? 1 : 0);
    },
  });
  new Counter({
    name: 'relay_history_appended_total',
    help: 'Messages kept in the history store.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(log.appended);
    },
  });
  new Counter({
    name: 'relay_history_refused_total',
    help: 'Appends the history store could not keep (their messages were refused, not delivered).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(log.refused);
    },
  });
  deps.lifecycle.onClose(async () => {
    routes.close();
    stopLogging();
    await log.close();
  });
  return log;
}

function openStore(deps: HistoryDeps, logger: Logger): HistoryStore {
  const options = { logger, ...(deps.now === undefined ? {} : { now: deps.now }) };
  const backend = deps.settings.backend ?? (deps.redis === undefined ? 'sqlite' : 'redis');
  if (backend === 'sqlite') return SqliteMessageLog.open(deps.settings, options);
  if (deps.redis === undefined) {
    throw new RelayError('RELAY_ERR_HISTORY_STORE', "history.backend 'redis' needs redisUrl");
  }
  return new RedisMessageLog(deps.redis, deps.settings, options);
}
