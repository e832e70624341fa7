import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { authenticateBearer, authenticatedToken } from './authenticate-bearer.js';
import type { ApiScope, ApiToken } from './parse-api-tokens.js';
import { requireScope } from './require-scope.js';

/**
 * The HTTP API's authentication for routes of your own Express app (`server.api`): the relay's tokens,
 * its scopes and its problem answers. Refusals are answered at once as `application/problem+json` (and
 * logged once per episode, like the API's), so they need no error handler of yours: without one, Express
 * would answer them with its HTML error page.
 */
export interface ApiMiddleware {
  /** Lets a request through with a known bearer token of `api.tokens`; else a 401 problem. */
  readonly authenticate: RequestHandler;
  /**
   * Lets a request through when its bearer token has `scope` (or `admin`); authenticates it first when
   * {@link ApiMiddleware.authenticate} has not run. Else a 401 (no or unknown token) or 403 problem.
   */
  requireScope(scope: ApiScope): RequestHandler;
  /** The token a request was let through with, for handlers (e.g. its `name`). */
  tokenOf(res: Response): ApiToken | undefined;
  /**
   * An error handler that answers any error as a problem (a `RelayError` with its status and code,
   * anything else a logged 500 `RELAY_ERR_INTERNAL`), for `app.use('/yours', router, server.api.problemHandler)`.
   */
  readonly problemHandler: ErrorRequestHandler;
}

/**
 * Makes the {@link ApiMiddleware} of the relay's `tokens`, answering refusals through `problems` (the
 * API's own problem handler) instead of `next(error)`, so that they never reach the app's error handler.
 */
export function createApiMiddleware(deps: {
  readonly tokens: readonly ApiToken[];
  readonly problems: ErrorRequestHandler;
}): ApiMiddleware {
  const { problems } = deps;
  const bearer = authenticateBearer(deps.tokens);
  // Runs `middleware`, answering what it refuses as a problem: only a clean pass goes on to `next`.
  const answering =
    (middleware: RequestHandler): RequestHandler =>
    (req, res, next) =>
      middleware(req, res, (error?: unknown) => {
        if (error === undefined || error === 'route' || error === 'router') next(error);
        else problems(error, req, res, next);
      });
  const authenticate = answering(bearer);
  return {
    authenticate,
    requireScope(scope) {
      const check = answering(requireScope(scope));
      return (req, res, next) => {
        if (authenticatedToken(res)) check(req, res, next);
        else
          authenticate(req, res, (error?: unknown) =>
            error === undefined ? check(req, res, next) : next(error),
          );
      };
    },
    tokenOf: authenticatedToken,
    problemHandler: problems,
  };
}
