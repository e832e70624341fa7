import type { RequestHandler } from 'express';
import { RelayError } from '../relay/relay-error.js';
import { authenticatedToken } from './authenticate-bearer.js';
import type { ApiScope } from './parse-api-tokens.js';

/**
 * Express middleware that lets a request through only when its bearer token (see
 * {@link authenticateBearer}, which must run first) has `scope` or `admin`: else 403 `RELAY_ERR_FORBIDDEN`
 * (401 when no token was authenticated at all).
 *
 * @example
 * ```ts
 * api.v1.post('/schedules', requireScope('admin'), (req, res) => { … });
 * ```
 */
export function requireScope(scope: ApiScope): RequestHandler {
  return (_req, res, next) => {
    const token = authenticatedToken(res);
    if (!token) {
      next(new RelayError('RELAY_ERR_UNAUTHORIZED', 'this route needs a bearer token'));
    } else if (token.scopes.includes(scope) || token.scopes.includes('admin')) {
      next();
    } else {
      next(
        new RelayError(
          'RELAY_ERR_FORBIDDEN',
          `token "${token.name}" has scopes ${token.scopes.join('+')}; this route needs ${scope}`,
        ),
      );
    }
  };
}
