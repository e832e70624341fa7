import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HttpApi } from '../http/mount-http-api.js';
import type { Relay, RelayIo } from '../relay/relay.js';
import type { ReadinessCheck, RelayLifecycle } from '../relay/relay-core.js';
import { historyRoutes } from './history-routes.js';
import { type HistorySettings, SqliteMessageLog } from './sqlite-message-log.js';

/** What mounting the history needs of the relay. */
export interface HistoryDeps {
  readonly relay: Relay;
  /** For `messageRedacted` events and the SSE streams' room membership. */
  readonly io: RelayIo;
  readonly lifecycle: RelayLifecycle;
  readonly addReadinessCheck: (name: string, check: ReadinessCheck) => void;
  readonly metricsRegistry: Registry;
  readonly logger: Logger;
  readonly api: HttpApi;
  readonly settings: HistorySettings;
  /** The clock of age retention (tests). */
  readonly now?: () => number;
  /** Event streams: how long a reader may leave its buffer full (ms), and the heartbeat interval (tests). */
  readonly streams?: { readonly slowReaderMs?: number; readonly heartbeatMs?: number };
}

/**
 * Keeps the relay's history in a SQLite log: every accepted message is stored before it is delivered
 * and acknowledged (`Relay.logWith`); adds the `/v1` history routes (read, redact, Server-Sent
 * Events), the `history` readiness check and the `relay_history_*` metrics; closes the log last.
 * Throws `RELAY_ERR_HISTORY_STORE` when the store cannot be opened.
 *
 * @example
 * ```ts
 * const log = mountHistory({ relay, io, lifecycle: server, addReadinessCheck, metricsRegistry, logger, api, settings });
 * ```
 */
export function mountHistory(deps: HistoryDeps): SqliteMessageLog {
  const logger = deps.logger.child({ part: 'history' });
  const log = SqliteMessageLog.open(deps.settings, {
    logger,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
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
  const registry = deps.metricsRegistry;
  new Gauge({
    name: 'relay_history_store_available',
    help: '1 while the history store can keep messages, 0 while it refuses them (see /readyz).',
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
  deps.lifecycle.onClose(() => {
    routes.close();
    stopLogging();
    log.close();
  });
  return log;
}
