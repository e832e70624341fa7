import { hash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { RelayError } from '../relay/relay-error.js';
import type { ApiToken } from './parse-api-tokens.js';

// One-shot hashing: no Hash object per request.
const digest = (text: string) => hash('sha256', text, 'buffer');

/**
 * Express middleware that reads `Authorization: Bearer <secret>` and finds its {@link ApiToken}, for
 * {@link requireScope} and handlers to read with {@link authenticatedToken}. A missing or unknown token
 * is a 401 `RELAY_ERR_UNAUTHORIZED` passed to `next`.
 *
 * Secrets are compared as SHA-256 digests with `timingSafeEqual` (equal lengths whatever was sent), and
 * every token is compared, so timing tells neither a secret nor which token almost matched.
 *
 * @example
 * ```ts
 * router.use(authenticateBearer(tokens));
 * router.post('/schedules', requireScope('admin'), createSchedule);
 * ```
 */
export function authenticateBearer(tokens: readonly ApiToken[]): RequestHandler {
  const known = tokens.map((token) => ({ token, digest: digest(token.secret) }));
  return (req, res, next) => {
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer realm="relay"');
      next(
        new RelayError(
          'RELAY_ERR_UNAUTHORIZED',
          header === undefined
            ? 'the request has no Authorization header'
            : 'the Authorization header is not "Bearer <secret>"',
        ),
      );
      return;
    }
    const given = digest(match[1] as string);
    let found: ApiToken | undefined;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, given) && !found) found = candidate.token;
    }
    if (!found) {
      res.set('WWW-Authenticate', 'Bearer realm="relay", error="invalid_token"');
      next(new RelayError('RELAY_ERR_UNAUTHORIZED', 'the bearer token is not one of the api.tokens'));
      return;
    }
    res.locals.apiToken = found;
    next();
  };
}

/** The token {@link authenticateBearer} found for this request, if it ran and succeeded. */
export function authenticatedToken(res: Response): ApiToken | undefined {
  return res.locals.apiToken as ApiToken | undefined;
}
