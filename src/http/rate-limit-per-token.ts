import type { RequestHandler } from 'express';
import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import type { TokenBucket } from '../relay/token-bucket.js';
import { authenticatedToken } from './authenticate-bearer.js';
import type { ApiToken } from './parse-api-tokens.js';

/**
 * Express middleware, after {@link authenticateBearer}: every request of a token takes one token of its
 * bucket, whatever the route (publishing, a batch, the schedule routes, run-now, a listing), so that a
 * token's whole use of the API is limited, not only its messages. An empty bucket answers 429
 * `RELAY_ERR_RATE_LIMITED` with `Retry-After` (seconds), reported to the relay like any refusal: logged
 * once when a flood starts, counted in `relay_publish_errors_total`.
 *
 * @example
 * ```ts
 * app.use('/v1', authenticateBearer(tokens), rateLimitPerToken({ relay, limiterOf }), v1);
 * ```
 */
export function rateLimitPerToken(deps: {
  relay: Pick<Relay, 'reportRejected'>;
  limiterOf: (token: ApiToken) => TokenBucket | undefined;
}): RequestHandler {
  const { relay, limiterOf } = deps;
  return (_req, res, next) => {
    const token = authenticatedToken(res);
    const limiter = token && limiterOf(token);
    if (!token || !limiter || limiter.take()) {
      next();
      return;
    }
    const waitMs = limiter.msUntilNext();
    const error = new RelayError(
      'RELAY_ERR_RATE_LIMITED',
      `token "${token.name}" is over its rate limit; next request allowed in ${waitMs} ms`,
    );
    res.set('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
    relay.reportRejected(error, { id: token.name, name: token.name, kind: 'http' });
    next(error);
  };
}
