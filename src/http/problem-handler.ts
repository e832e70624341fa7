import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';
import { authenticatedToken } from './authenticate-bearer.js';
import { reportedByRelay } from './reported-by-relay.js';
import { sendProblem } from './send-problem.js';

// body-parser's error types, as RelayKit codes: a client's bad body is never a 500.
const BODY_ERRORS: Readonly<Record<string, RelayError['code']>> = {
  'entity.parse.failed': 'RELAY_ERR_MALFORMED_JSON',
  'entity.too.large': 'RELAY_ERR_BODY_TOO_LARGE',
  'encoding.unsupported': 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
};

// The relay's own conditions (closing, an unreachable Redis, a store that cannot keep writes) are logged
// once where they happen, not as bugs; each request they refuse is a refusal.
const CONDITIONS: ReadonlySet<RelayError['code']> = new Set([
  'RELAY_ERR_SHUTTING_DOWN',
  'RELAY_ERR_NOT_READY',
  'RELAY_ERR_STORE_UNAVAILABLE',
]);

/**
 * The API's last middleware: turns any error into an RFC 9457 problem answer with a stable code and
 * logs one line (warn for a refused request, error for a RelayKit bug).
 *
 * @example
 * ```ts
 * app.use('/v1', router, notFound, problemHandler(logger));
 * ```
 */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const relayError = toRelayError(error);
    const token = authenticatedToken(res)?.name;
    const line = {
      code: relayError.code,
      status: relayError.status,
      method: req.method,
      path: req.originalUrl.split('?')[0],
      token,
    };
    if (relayError.status >= 500 && !CONDITIONS.has(relayError.code)) {
      logger.error({ ...line, err: error }, 'http request failed');
    } else if (!reportedByRelay(res)) {
      logger.warn({ ...line, err: relayError.message }, 'http request refused');
    }
    if (relayError.code === 'RELAY_ERR_SHUTTING_DOWN') res.set({ 'Retry-After': '5', Connection: 'close' });
    // A node reconnects to Redis with a back-off of at most about 2 s.
    if (relayError.code === 'RELAY_ERR_NOT_READY') res.set('Retry-After', '2');
    sendProblem(req, res, relayError);
  };
}

function toRelayError(error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  const bodyError = error as { type?: unknown; status?: unknown; message?: unknown };
  const code = typeof bodyError?.type === 'string' ? BODY_ERRORS[bodyError.type] : undefined;
  if (code === 'RELAY_ERR_BODY_TOO_LARGE') {
    const { length, limit } = error as { length?: number; limit?: number };
    const size = length === undefined ? 'the body is' : `the body is ${length} bytes,`;
    return new RelayError(code, `${size} over the ${limit}-byte limit`, { cause: error });
  }
  if (code) return new RelayError(code, String(bodyError.message ?? bodyError.type), { cause: error });
  const status = typeof bodyError?.status === 'number' ? bodyError.status : 500;
  if (status >= 400 && status < 500) {
    return new RelayError('RELAY_ERR_INVALID_REQUEST', String(bodyError.message ?? 'bad request'), {
      cause: error,
    });
  }
  return RelayError.from(error, 'the request failed');
}
