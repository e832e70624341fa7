import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RelayError } from '../relay/relay-error.js';

/**
 * Refuses a request whose declared `Content-Length` is over `limitBytes` on the header alone, before
 * anything reads it: a 413 `RELAY_ERR_BODY_TOO_LARGE` (see {@link refuseBody}). Node has already refused
 * a malformed or doubled `Content-Length` with a 400, so the header here is one number.
 *
 * @example
 * ```ts
 * app.use('/v1', refuseLargeBody(config.api.bodyLimitBytes), authenticateBearer(tokens), v1);
 * ```
 */
export function refuseLargeBody(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limitBytes) {
      refuseBody(
        req,
        res,
        next,
        `the body is declared as ${declared} bytes, over the ${limitBytes}-byte limit`,
      );
      return;
    }
    next();
  };
}

/**
 * Passes a 413 `RELAY_ERR_BODY_TOO_LARGE` on to the problem handler with `Connection: close`, and stops
 * reading: the rest of the body is never read, because Node closes the connection once the answer is
 * sent instead of reading the body to its end to keep the connection alive.
 */
export function refuseBody(req: Request, res: Response, next: NextFunction, detail: string): void {
  req.pause();
  res.set('Connection', 'close');
  next(new RelayError('RELAY_ERR_BODY_TOO_LARGE', detail));
}
