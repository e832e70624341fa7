import { performance } from 'node:perf_hooks';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Relay } from '../relay/relay.js';
import type { RelayIo } from '../relay/relay-io.js';
import { LatencyHistogram } from './latency-histogram.js';
import { loadOpenApiDocument } from './load-openapi-document.js';
import { addProcessMetrics } from './process-metrics.js';
import { routeLabels } from './route-label.js';

// From a tenth of a millisecond (a publish in one process) to seconds (a commit through a slow Redis).
const PUBLISH_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
// When a response's request arrived (performance.now()), kept on the response itself.
const STARTED_AT = Symbol('relay.startedAt');
type TimedResponse = Response & { [STARTED_AT]?: number };

/** A relay's Prometheus metrics and the middleware that counts HTTP requests. */
export interface RelayMetrics {
  /** The relay's registry (`server.metricsRegistry`): several relays in one process never share metrics. */
  readonly registry: Registry;
  /** Counts every request of the Express app, by method, route pattern and status. */
  readonly countRequests: RequestHandler;
  /** Stops observing the relay and takes the process metrics out of the registry. Idempotent. */
  close(): void;
}

/**
 * Creates the metrics of `server` in its registry (one per relay): connected sockets, messages published by
 * source, publish errors by code and publish latency (all observed on the one publish path), HTTP requests
 * and their duration by route and status, and Node's process metrics (`process_*`, `nodejs_*`, event-loop
 * lag among them).
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
  readonly logger?: Logger;
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
  const durations = new Histogram({
    name: 'relay_http_request_duration_seconds',
    help: 'Time from a request to the end of its response, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const latency = new LatencyHistogram({
    name: 'relay_publish_duration_seconds',
    help: 'Time inside Relay.publish until a message is delivered (with redisUrl: until its commit settled).',
    bounds: PUBLISH_BUCKETS,
    registry,
  });
  const removeProcessMetrics = addProcessMetrics(registry);

  const stopObserving = server.relay.observe({
    published: (meta, _content, elapsedMs) => {
      published.inc({ source: meta.from.kind });
      latency.observe(elapsedMs / 1000);
    },
    rejected: (error) => refused.inc({ code: error.code }),
  });

  // The route pattern, not the URL: ids and typos in URLs must not make new time series. The API's
  // routes by its OpenAPI document; others (an embedding app's) by the Express route that answered.
  let apiRouteOf: ((url: string) => string | undefined) | undefined;
  const apiRoutes = (): ((url: string) => string | undefined) => {
    try {
      return routeLabels(Object.keys(loadOpenApiDocument().paths as Record<string, unknown>));
    } catch (error) {
      // Not next to this module (a bundle that left it out; a test DOM's import.meta.url): this runs
      // in a response's 'close' listener, where a throw would end the process.
      server.logger?.warn(
        { err: error },
        'OpenAPI document unreadable: HTTP metrics name API routes by their Express pattern',
      );
      return () => undefined;
    }
  };
  const routeOf = (req: TimedResponse['req']): string => {
    apiRouteOf ??= apiRoutes();
    return (
      apiRouteOf(req.originalUrl) ?? (req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched')
    );
  };
  // One listener for every response (`this` is the response), not a closure per request. On 'close',
  // which every response emits, also one the client left before it ended (a Server-Sent Events
  // stream, an aborted upload): 499, as nginx says, when it left before any status was sent.
  function countClosed(this: TimedResponse): void {
    const { req } = this;
    const status = this.headersSent ? String(this.statusCode) : '499';
    const labels = { method: req.method, route: routeOf(req), status };
    requests.inc(labels);
    // A stream's lifetime is no request's duration: it would fill +Inf and the sum of every route.
    if (!String(this.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
      durations.observe(labels, (performance.now() - (this[STARTED_AT] as number)) / 1000);
    }
  }
  const countRequests: RequestHandler = (_req, res, next) => {
    (res as TimedResponse)[STARTED_AT] = performance.now();
    res.once('close', countClosed);
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
      removeProcessMetrics();
    },
  };
}
