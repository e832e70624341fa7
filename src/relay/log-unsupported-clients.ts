import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { EpisodeLog } from './episode-log.js';

// engine.io's code for a handshake in a protocol revision it does not speak (EIO=3: socket.io 2.x).
const UNSUPPORTED_PROTOCOL_VERSION = 5;

interface Refusal {
  readonly protocol: string;
  readonly transport: string;
  readonly userAgent: string | undefined;
}

/**
 * Logs the handshakes engine.io refuses for their protocol revision (socket.io 2.x clients send `EIO=3`;
 * `allowEIO3` stays off): such a client only sees "xhr poll error" or "websocket error" and retries for
 * ever, so the relay says what it is, once per episode of one address (the first refusal at warn, then a
 * summary with the count when the address has been quiet for 10 s). Returns a `close()` that writes the
 * summaries of the episodes still open.
 *
 * @example
 * ```ts
 * const unsupported = logUnsupportedClients(io, logger);
 * relay.onClose(() => unsupported.close());
 * ```
 */
export function logUnsupportedClients(io: Pick<Server, 'engine'>, log: Logger): { close(): void } {
  const refusals = new EpisodeLog<Refusal>({
    ended: ({ key, first, count, startedAt, lastAt }) =>
      log.warn(
        {
          code: 'RELAY_ERR_UNSUPPORTED_CLIENT',
          address: key,
          ...first,
          refused: count,
          durationMs: lastAt - startedAt,
        },
        'unsupported client refusals ended',
      ),
  });
  io.engine.on('connection_error', (error: { req: IncomingMessage; code: number }) => {
    if (error.code !== UNSUPPORTED_PROTOCOL_VERSION) return;
    const { req } = error;
    // engine.io has parsed the query into req._query; the URL is read again so as not to rely on that.
    const query = new URL(req.url ?? '/', 'http://relay.invalid').searchParams;
    const refusal: Refusal = {
      protocol: query.get('EIO') ?? 'none',
      transport: query.get('transport') ?? 'unknown',
      userAgent: req.headers['user-agent'],
    };
    const address = req.socket.remoteAddress ?? 'unknown';
    if (refusals.note(address, refusal)) {
      log.warn(
        { code: 'RELAY_ERR_UNSUPPORTED_CLIENT', address, ...refusal },
        `connection refused: engine.io protocol ${refusal.protocol} is a socket.io 2.x client; upgrade it to socket.io-client 4 (or another client of engine.io protocol 4, see docs/wire-contract.md)`,
      );
    }
  });
  return { close: () => refusals.close() };
}
