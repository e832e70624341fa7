import type { RequestHandler } from 'express';
import type { HostGuard } from '../relay/create-host-guard.js';
import { createOriginGuard } from '../relay/create-origin-guard.js';
import { RelayError } from '../relay/relay-error.js';

/**
 * CORS for the HTTP API with the same rule as sockets (the `origins` setting, see createOriginGuard):
 * requests without `Origin` pass, allowed browser origins get CORS headers and preflight answers, other
 * origins get a 403 `RELAY_ERR_ORIGIN_NOT_ALLOWED`. Same-origin counts only for a `Host` that `hosts`
 * allows. Tokens travel in a header, never in cookies, so credentials are not allowed.
 *
 * @example
 * ```ts
 * app.use('/v1', apiCors(config.origins, server.hostGuard));
 * ```
 */
export function apiCors(origins: readonly string[], hosts: HostGuard): RequestHandler {
  const guard = createOriginGuard(origins, hosts);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined) {
      next();
      return;
    }
    if (!guard.isAllowed(origin, hosts.requestHost(req.headers), hosts.requestProto(req.headers))) {
      next(new RelayError('RELAY_ERR_ORIGIN_NOT_ALLOWED', `origin ${origin} is not allowed`));
      return;
    }
    res.set('Access-Control-Allow-Origin', origin);
    // Location: where a 201 put what it made (hooks, webhooks, schedules).
    res.set('Access-Control-Expose-Headers', 'Retry-After, Idempotent-Replayed, WWW-Authenticate, Location');
    if (req.method === 'OPTIONS') {
      // Every method a /v1 route answers: redaction and removals are DELETEs.
      res.set('Access-Control-Allow-Methods', 'GET, POST, DELETE');
      // Last-Event-ID: an event stream read with fetch resumes with it.
      res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, Last-Event-ID');
      res.set('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
