import { Router } from 'express';
import { RelayError } from '../relay/relay-error.js';
import type { RelayServer } from '../server/relay-server.js';
import { loadOpenApiDocument } from './load-openapi-document.js';
import type { components } from './openapi-types.js';
import type { RelayMetrics } from './relay-metrics.js';

type Health = components['schemas']['Health'];

/**
 * `GET /healthz` (the process answers), `GET /readyz` (listening, not closing and every readiness check
 * of the server ok, e.g. Redis reachable: send messages here), `GET /metrics` (Prometheus: the
 * server's registry, with features' metrics) and `GET /openapi.json` (the API spec). No token:
 * orchestrators and scrapers call them; keep them on a private network or behind the proxy's access rules.
 *
 * @example
 * ```ts
 * app.use(operationsRouter(server, metrics));
 * ```
 */
export function operationsRouter(server: RelayServer, metrics: RelayMetrics): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' } satisfies Health);
  });
  router.get('/readyz', (_req, res, next) => {
    if (server.closing || !server.httpServer.listening) {
      next(new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the relay is not accepting messages'));
      return;
    }
    const { ready, checks } = server.checkReadiness();
    if (!ready) {
      const failing = Object.entries(checks).filter(([, check]) => !check.ok);
      const why = failing.map(([name, check]) => (check.detail ? `${name} (${check.detail})` : name));
      next(new RelayError('RELAY_ERR_NOT_READY', `not ready: ${why.join(', ')}`));
      return;
    }
    res.json({ status: 'ready' } satisfies Health);
  });
  router.get('/metrics', async (_req, res) => {
    // The server's registry: these metrics and features' own (cluster, slow consumers).
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(loadOpenApiDocument());
  });
  return router;
}
