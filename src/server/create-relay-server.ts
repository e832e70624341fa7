import type { Server as HttpServer } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { mountAuth } from '../auth/mount-auth.js';
import { mountBots } from '../bots/mount-bots.js';
import type { HubChannel } from '../cluster/hub-messages.js';
import { mountCluster } from '../cluster/mount-cluster.js';
import { mountWorkerCluster } from '../cluster/mount-workers.js';
import { parseRelayConfig } from '../config/parse-relay-config.js';
import type { RelayConfigInput } from '../config/relay-config-schema.js';
import { historyOffRoutes } from '../history/history-off-routes.js';
import { mountHistory } from '../history/mount-history.js';
import { mountHooks } from '../hooks/mount-hooks.js';
import { mountHttpApi } from '../http/mount-http-api.js';
import { requireAllowedHost } from '../http/require-allowed-host.js';
import { createLogger } from '../relay/create-logger.js';
import { watchSlowConsumers } from '../relay/watch-slow-consumers.js';
import { mountScheduleApi } from '../schedule/schedule-api.js';
import { mountWebPage } from '../web/mount-web-page.js';
import { mountWebhooks } from '../webhooks/mount-webhooks.js';
import { RelayServer } from './relay-server.js';

/** Settings of a relay (see docs/configuration.md) plus what code can inject. */
export interface RelayServerOptions extends RelayConfigInput {
  /** A pino logger; default: lines on stdout at `logLevel`, in `logFormat`. */
  logger?: Logger;
  /** An existing Express app to mount the relay on (the seed's `bin/www` case). */
  app?: Express;
  /** An existing HTTP server for that app; the relay attaches socket.io to it. */
  httpServer?: HttpServer;
  /** Reload a bot plugin when its file changes (`relay serve --watch`). */
  watchPlugins?: boolean;
  /**
   * Makes the relay a worker of `relay serve --workers`: it does not listen (start it with `attach()`), its
   * primary hands it connections over `hub`, the IPC channel to the primary (`cluster.worker`).
   */
  clusterWorker?: { hub: HubChannel };
}

/**
 * Creates a relay. Nothing listens until `listen()`; `close()` stops everything it started.
 * Throws a `ConfigError` naming the bad key when a setting is invalid.
 *
 * This is the composition root: it builds the core, then mounts each feature with what that feature
 * needs. Start-up hooks run in the order features are mounted here, close hooks in the reverse order.
 *
 * @example
 * ```ts
 * import { createRelayServer } from 'relaykit';
 *
 * const server = createRelayServer({ port: 3000, routing: 'all', greeting: 'self' });
 * const { url } = await server.listen();
 * server.relay.publish('Hello from code', { from: { id: 'app', name: 'app', kind: 'http' } });
 * await server.close();
 * ```
 */
export function createRelayServer(options: RelayServerOptions = {}): RelayServer {
  const { logger, app, httpServer, watchPlugins, clusterWorker, ...settings } = options;
  const config = parseRelayConfig(settings, 'createRelayServer options');
  const server = new RelayServer({
    config,
    logger: logger ?? createLogger({ level: config.logLevel, format: config.logFormat }),
    ...(app ? { app } : {}),
    ...(httpServer ? { httpServer } : {}),
  });
  // First of the app's layers, so no route of the relay (API, metrics, chat page) answers a rebound name.
  server.app.use(requireAllowedHost(server.hostGuard));
  // With redisUrl, the node joins its cluster: the Redis adapter must be in place before any socket
  // connects, and its connections close last (closing sockets persist their sessions through them).
  const cluster =
    config.redisUrl === undefined
      ? undefined
      : mountCluster({
          io: server.io,
          relay: server.relay,
          lifecycle: server,
          addReadinessCheck: (name, check) => server.addReadinessCheck(name, check),
          metricsRegistry: server.metricsRegistry,
          logger: server.logger,
          scheduler: server.scheduler,
          settings: { redisUrl: config.redisUrl, recoveryWindowMs: config.recoveryWindowMs },
        });
  // A worker of `relay serve --workers` gets its connections from the primary; without Redis, what the
  // workers share (broadcasts, slot claims, idempotent answers, jobs) goes through the primary.
  const worker =
    clusterWorker &&
    mountWorkerCluster({
      io: server.io,
      lifecycle: server,
      scheduler: server.scheduler,
      logger: server.logger,
      metricsRegistry: server.metricsRegistry,
      hub: clusterWorker.hub,
      settings: config,
    });
  // jwt auth mode: every person's handshake carries a verified token (bots keep their bot token).
  mountAuth({
    authenticateWith: (authenticator) => server.authenticateWith(authenticator),
    lifecycle: server,
    logger: server.logger,
    settings: config.auth,
  });
  // Sockets that stop reading are cut past maxBufferedBytes instead of growing the node's memory.
  watchSlowConsumers(server);
  // HTTP API (/v1, /healthz, /readyz, /metrics, /openapi.json): counts every request, so it goes first.
  // In a cluster, idempotent answers are kept in Redis: a retry that reaches another node is not published twice.
  const api = mountHttpApi({
    app: server.app,
    relay: server.relay,
    io: server.io,
    lifecycle: server,
    logger: server.logger,
    metricsRegistry: server.metricsRegistry,
    hostGuard: server.hostGuard,
    checkReadiness: () => server.checkReadiness(),
    settings: config,
    ...(cluster ? { idempotencyStore: cluster.idempotencyStore } : {}),
    ...(worker?.idempotencyStore ? { idempotencyStore: worker.idempotencyStore } : {}),
    // A worker's /metrics answers for every worker of the machine.
    ...(worker ? { scrapeMetrics: worker.scrapeMetrics } : {}),
  });
  // A store that cannot keep writes (its file deleted, replaced or read-only) refuses changes to jobs: the
  // node is not ready, so that operators see it and traffic goes elsewhere.
  server.addReadinessCheck('scheduleStore', () => server.scheduler.storeHealth());
  // Without api.tokens the API made up an admin token: `relay serve` shows it in its start banner.
  if (config.api.tokens.length === 0) server.generatedApiToken = api.tokens[0]?.secret;
  // Routes of an embedding app authenticate with the same tokens and answer with the same problems.
  server.api = api.middleware;
  mountScheduleApi({ api, scheduler: server.scheduler, lifecycle: server, settings: config });
  // Incoming webhooks: /v1/hooks on the API, deliveries at /hooks/{key} (their key is their credential).
  // In a cluster, hooks are kept in Redis: one added, rotated or deleted on a node is so on every node.
  mountHooks({
    app: server.app,
    api,
    relay: server.relay,
    lifecycle: server,
    logger: server.logger,
    settings: config,
    ...(cluster ? { directory: cluster.hookDirectory } : {}),
  });
  // The history: every message is kept before it is delivered and acknowledged, and read back over the
  // sockets' `history` event and the API. Its log closes after the sockets and the API.
  if (config.history !== false) {
    mountHistory({
      relay: server.relay,
      io: server.io,
      lifecycle: server,
      addReadinessCheck: (name, check) => server.addReadinessCheck(name, check),
      metricsRegistry: server.metricsRegistry,
      logger: server.logger,
      api,
      settings: config.history,
      // In a cluster the history is kept in its Redis (unless history.backend is sqlite): nodes share it.
      ...(cluster ? { redis: cluster.redis } : {}),
    });
  } else {
    api.v1.use(historyOffRoutes());
  }

  // Bots connect once the relay listens, as real socket.io clients, and stop after the jobs.
  mountBots({
    lifecycle: server,
    logger: server.logger,
    botToken: server.botToken,
    scheduler: server.scheduler,
    settings: config,
    watch: watchPlugins ?? false,
  });
  // Outgoing webhooks observe the publish path; mounted after the bots so that, at close, they stop first
  // (attempts in flight finish) while whatever bots still publish is queued on disk for the next start.
  // In a cluster, endpoints added over the API are shared (Redis, or the --workers primary).
  mountWebhooks({
    relay: server.relay,
    api,
    lifecycle: server,
    logger: server.logger,
    settings: config,
    ...(cluster ? { directory: cluster.webhookDirectory } : {}),
    ...(worker?.webhookDirectory ? { directory: worker.webhookDirectory } : {}),
  });
  // Scheduled jobs start once the relay listens (bots' jobs are in by then) and stop first when it closes:
  // a running job may still publish, and a bot's job may still use its bot.
  server.onListen(() => server.scheduler.start());
  server.onPreClose(() => server.scheduler.close());
  // The chat page's static files go last: every route above wins over them.
  if (config.webPage) mountWebPage(server.app);
  return server;
}
