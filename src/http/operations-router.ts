import { Router } from 'express';
import { RelayError } from '../relay/relay-error.js';
import type { RelayServer } from '../relay/relay-server.js';
import { loadOpenApiDocument } from './load-openapi-document.js';
import type { components } from './openapi-types.js';
import type { RelayMetrics } from './relay-metrics.js';

type Health = components['schemas']['Health'];

/**
 * `GET /healthz` (the process answers), `GET /readyz` (listening and not closing: send messages here),
 * `GET /metrics` (Prometheus) and `GET /openapi.json` (the API spec). No token: orchestrators and
 * scrapers call them; keep them on a private network or behind the proxy's access rules.
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
    res.json({ status: 'ready' } satisfies Health);
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(loadOpenApiDocument());
  });
  return router;
}
