import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { clientKeyOf } from '../relay/address-limit.js';
import { EpisodeLog } from '../relay/episode-log.js';
import { forwardedFor } from '../relay/forwarded-request.js';
import { RelayError } from '../relay/relay-error.js';
import { authenticatedToken } from './authenticate-bearer.js';
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

/** The API's error handler, and how to write the summaries of refusal episodes still open. */
export type ProblemHandler = ErrorRequestHandler & {
  /** Ends the open refusal episodes, writing their summaries. Idempotent. */
  close(): void;
};

/**
 * The API's last middleware: turns any error into an RFC 9457 problem answer with a stable code and
 * logs it: an error line for a RelayKit bug, and for refused requests one warn line per episode of
 * refusals from one client (a burst of bad tokens is one line, and an `http refusals ended` line with
 * their count once the client has been quiet for 10 s). A client is its address as `addressLimit`
 * counts it (an IPv6 /64 is one client), and with `trustProxy` the one the proxy forwarded for. Every request is counted by
 * `relay_http_requests_total` whatever is logged.
 *
 * @example
 * ```ts
 * const problems = problemHandler(logger);
 * app.use('/v1', router, notFound, problems);
 * server.onClose('http', () => problems.close());
 * ```
 */
export function problemHandler(logger: Logger, options: { trustProxy?: boolean } = {}): ProblemHandler {
  const trustProxy = options.trustProxy ?? false;
  const refusals = new EpisodeLog<{ code: string }>({
    ended: ({ key, first, count, startedAt, lastAt }) =>
      logger.warn(
        { address: key, code: first.code, refused: count, durationMs: lastAt - startedAt },
        'http refusals ended',
      ),
  });
  const handle: ErrorRequestHandler = (error: unknown, req, res, next) => {
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
    } else if (!relayError.reported) {
      const peer = forwardedFor(req.headers, trustProxy) ?? req.socket.remoteAddress ?? 'unknown';
      // By client, as addressLimit counts them: an IPv6 host has a whole /64 of addresses to rotate.
      // `address` is that client in this line and in its `ended` line alike (a dual-stack listener's
      // ::ffff:127.0.0.1 is 127.0.0.1 in both); `peer` is the exact address when it is another.
      const address = clientKeyOf(req, trustProxy) ?? peer;
      if (refusals.note(address, line)) {
        logger.warn(
          { ...line, address, ...(peer === address ? {} : { peer }), err: relayError.message },
          'http request refused',
        );
      }
    }
    if (relayError.code === 'RELAY_ERR_SHUTTING_DOWN') res.set({ 'Retry-After': '5', Connection: 'close' });
    // A node reconnects to Redis with a back-off of at most about 2 s.
    if (relayError.code === 'RELAY_ERR_NOT_READY') res.set('Retry-After', '2');
    // A token's event streams end when their readers close them, a store that cannot be written takes
    // someone to fix it (or Redis a moment to free memory), and a request another node still runs may
    // end any moment: try again a little later.
    if (
      relayError.code === 'RELAY_ERR_TOO_MANY_STREAMS' ||
      relayError.code === 'RELAY_ERR_STORE_UNAVAILABLE' ||
      relayError.code === 'RELAY_ERR_IDEMPOTENCY_KEY_IN_FLIGHT'
    )
      res.set('Retry-After', '5');
    sendProblem(req, res, relayError);
  };
  return Object.assign(handle, { close: () => refusals.close() });
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
