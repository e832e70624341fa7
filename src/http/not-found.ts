import type { RequestHandler } from 'express';
import { RelayError } from '../relay/relay-error.js';

/**
 * A 404 problem (`RELAY_ERR_NOT_FOUND`) for any request no route took.
 *
 * @example
 * ```ts
 * app.use('/v1', router, notFound, problemHandler(logger));
 * ```
 */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new RelayError('RELAY_ERR_NOT_FOUND', `no route ${req.method} ${req.originalUrl.split('?')[0]}`));
};
