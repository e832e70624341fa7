import type { RequestHandler } from 'express';
import { RelayError } from '../relay/relay-error.js';
import { authenticatedToken } from './authenticate-bearer.js';
import type { ApiScope } from './parse-api-tokens.js';

/**
 * Express middleware that lets a request through only when its bearer token (see
 * {@link authenticateBearer}, which must run first) has `scope` or `admin`: else 403 `RELAY_ERR_FORBIDDEN`
 * (401 when no token was authenticated at all). For `/v1` routes, behind the API's authentication and
 * problem handler; on a route of your own app, use `server.api.requireScope` (`ApiMiddleware`),
 * which authenticates and answers problems by itself.
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
      // Only on a route no bearer authentication ran for: a route of the user's app, not under /v1.
      next(
        new RelayError(
          'RELAY_ERR_UNAUTHORIZED',
          'this route needs a bearer token, and none was authenticated: on a route of your own app, use server.api.requireScope, which authenticates it',
        ),
      );
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
