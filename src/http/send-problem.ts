import type { Request, Response } from 'express';
import type { RelayError } from '../relay/relay-error.js';
import type { components } from './openapi-types.js';
import { RequestFieldError } from './request-field-error.js';

/** An RFC 9457 problem document, as the API spec describes it. */
export type Problem = components['schemas']['Problem'];

/** The problem `type` URI of an error code: a URN, stable, and not meant to be dereferenced. */
export const problemType = (code: string): string => `urn:relaykit:error:${code}`;

/**
 * Answers a request with `error` as an RFC 9457 `application/problem+json` document:
 * `{ type, title, status, detail, code, instance, field? }`.
 *
 * @example
 * ```ts
 * sendProblem(req, res, new RelayError('RELAY_ERR_NOT_FOUND', 'no route GET /v1/nothing'));
 * ```
 */
export function sendProblem(req: Request, res: Response, error: RelayError): void {
  const problem: Problem = {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    instance: req.originalUrl,
    ...(error instanceof RequestFieldError ? { field: error.field } : {}),
  };
  res.status(error.status).type('application/problem+json').send(JSON.stringify(problem));
}
