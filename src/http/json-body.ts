import express, { type RequestHandler } from 'express';
import { RelayError } from '../relay/relay-error.js';
import { RequestFieldError } from './request-field-error.js';

/**
 * Middleware for routes that take a JSON body: no body is a 400, a body that is not
 * `application/json` a 415, one over `limitBytes` a 413, malformed JSON a 400 (never a 500). The
 * parsed body is `req.body`.
 *
 * @example
 * ```ts
 * api.v1.post('/schedules', requireScope('admin'), ...jsonBody(server.config.api.bodyLimitBytes), handler);
 * ```
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const type = req.is(['application/json', 'application/*+json']);
    // fetch() and curl send `Content-Length: 0` for a POST without a body.
    if (type === null || req.get('content-length') === '0') {
      next(new RequestFieldError('RELAY_ERR_INVALID_REQUEST', 'body', 'the request has no body; send JSON'));
    } else if (type === false) {
      next(
        new RelayError(
          'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
          `the body is ${req.get('content-type') ?? 'of no declared type'}, not application/json`,
        ),
      );
    } else {
      next();
    }
  };
  // body-parser's errors (entity.too.large, entity.parse.failed, …) are mapped by the problem handler.
  return [requireJson, express.json({ limit: limitBytes, strict: true, type: () => true })];
}
