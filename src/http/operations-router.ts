import { Router } from 'express';
import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';
import type { Readiness, RelayLifecycle } from '../relay/relay-lifecycle.js';
import { loadOpenApiDocument } from './load-openapi-document.js';
import type { components } from './openapi-types.js';
import type { RelayMetrics } from './relay-metrics.js';

type Health = components['schemas']['Health'];

/**
 * `GET /healthz` (the process answers), `GET /readyz` (listening, not closing and every readiness check
 * of the server ok, e.g. Redis reachable: send messages here), `GET /metrics` (Prometheus: the
 * server's registry, with features' metrics) and `GET /openapi.json` (the API spec). No token:
 * orchestrators and scrapers call them; keep them on a private network or behind the proxy's access rules.
 * `/readyz` is asked every few seconds: it logs when readiness changes (a warn line naming the failing
 * checks, an info line when ready again), not each 503.
 *
 * @example
 * ```ts
 * app.use(operationsRouter({ lifecycle: server, checkReadiness, logger }, metrics));
 * ```
 */
export function operationsRouter(
  deps: {
    readonly lifecycle: Pick<RelayLifecycle, 'closing'>;
    readonly checkReadiness: () => Readiness;
    readonly logger: Logger;
    /** What `/metrics` answers instead of the registry alone (every worker's, summed). */
    readonly scrapeMetrics?: () => Promise<string>;
  },
  metrics: RelayMetrics,
): Router {
  const router = Router();
  const log = deps.logger;
  // The failing checks at the last answer, as one text; undefined while ready.
  let failingBefore: string | undefined;
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' } satisfies Health);
  });
  router.get('/readyz', (_req, res, next) => {
    const { ready, checks } = deps.checkReadiness();
    // Not listening (yet, or any more) or closing: the core's `listening` check. Closing is logged by the
    // relay ("relay closing"); each 503 meanwhile needs no line.
    if (deps.lifecycle.closing || checks.listening?.ok === false) {
      next(new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the relay is not accepting messages').markReported());
      return;
    }
    if (!ready) {
      const failing = Object.entries(checks).filter(([, check]) => !check.ok);
      const why = failing.map(([name, check]) => (check.detail ? `${name} (${check.detail})` : name));
      const error = new RelayError('RELAY_ERR_NOT_READY', `not ready: ${why.join(', ')}`);
      // The names, not the details: a detail may change at every ask while the state stays the same.
      const names = failing.map(([name]) => name).join(', ');
      if (names !== failingBefore) {
        log.warn(
          { code: error.code, checks: Object.fromEntries(failing), detail: error.detail },
          'not ready',
        );
        failingBefore = names;
      }
      // Logged above, once per change of readiness.
      next(error.markReported());
      return;
    }
    if (failingBefore !== undefined) {
      log.info({ was: failingBefore }, 'ready again');
      failingBefore = undefined;
    }
    res.json({ status: 'ready' } satisfies Health);
  });
  router.get('/metrics', async (_req, res) => {
    // The server's registry: these metrics and features' own (cluster, slow consumers); with --workers,
    // every worker's. A primary that does not answer rejects with RELAY_ERR_NOT_READY (503).
    const text = await (deps.scrapeMetrics ?? (() => metrics.registry.metrics()))();
    res.type(metrics.registry.contentType).send(text);
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(loadOpenApiDocument());
  });
  return router;
}
