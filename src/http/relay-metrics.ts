import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RequestHandler, Response } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Relay, RelayIo } from '../relay/relay.js';

/** A relay's Prometheus metrics and the middleware that counts HTTP requests. */
export interface RelayMetrics {
  /** The relay's registry (`server.metricsRegistry`): several relays in one process never share metrics. */
  readonly registry: Registry;
  /** Counts every request of the Express app, by method, route pattern and status. */
  readonly countRequests: RequestHandler;
  /** Stops observing the relay and the event loop. Idempotent. */
  close(): void;
}

/**
 * Creates the metrics of `server` in its registry (one per relay): connected sockets, messages published by
 * source, publish errors by code (both observed on the one publish path), HTTP requests by route and
 * status, and event-loop lag.
 *
 * @example
 * ```ts
 * const metrics = createRelayMetrics(server);
 * app.get('/metrics', async (_req, res) => res.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
 * ```
 */
export function createRelayMetrics(server: {
  readonly io: RelayIo;
  readonly relay: Pick<Relay, 'observe'>;
  readonly metricsRegistry: Registry;
}): RelayMetrics {
  // The server's own registry, shared with features' metrics (cluster, slow consumers).
  const registry = server.metricsRegistry;
  new Gauge({
    name: 'relay_connected_sockets',
    help: 'Sockets connected to this relay node, by kind (user, bot).',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ kind: 'user' }, 0);
      this.set({ kind: 'bot' }, 0);
      for (const socket of server.io.of('/').sockets.values()) this.inc({ kind: socket.data.kind ?? 'user' });
    },
  });
  const published = new Counter({
    name: 'relay_messages_published_total',
    help: 'Messages published, by source (user, bot, http, schedule, system).',
    labelNames: ['source'],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'relay_publish_errors_total',
    help: 'Messages and events refused, by error code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'relay_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  new Gauge({
    name: 'relay_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape: median (0.5), 99th percentile (0.99) and maximum (1).',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      this.set({ quantile: '0.5' }, lag.percentile(50) / 1e9);
      this.set({ quantile: '0.99' }, lag.percentile(99) / 1e9);
      this.set({ quantile: '1' }, lag.max / 1e9);
      lag.reset();
    },
  });

  const stopObserving = server.relay.observe({
    published: (meta) => published.inc({ source: meta.from.kind }),
    rejected: (error) => refused.inc({ code: error.code }),
  });

  // One listener for every response (`this` is the response), not a closure per request.
  function countFinished(this: Response): void {
    const { req } = this;
    // The route pattern, not the URL: ids and typos in URLs must not make new time series.
    const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    requests.inc({ method: req.method, route, status: String(this.statusCode) });
  }
  const countRequests: RequestHandler = (_req, res, next) => {
    res.on('finish', countFinished);
    next();
  };

  let closed = false;
  return {
    registry,
    countRequests,
    close() {
      if (closed) return;
      closed = true;
      stopObserving();
      lag.disable();
    },
  };
}
