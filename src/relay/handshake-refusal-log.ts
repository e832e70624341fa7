import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { clientKeyOf } from './address-limit.js';
import { EpisodeLog } from './episode-log.js';
import type { RelayError } from './relay-error.js';

/** What {@link handshakeRefusalLog} answers: where refusals go, and the close that ends its episodes. */
export interface HandshakeRefusalLog {
  refused(error: RelayError, request: IncomingMessage): void;
  close(): void;
}

/**
 * The log lines of handshakes the relay's own checks refuse (a wrong bot token, a token of another user
 * than the session it recovers, a first room not granted, a bad name or room): one `warn` line a client
 * address and code per episode, and a summary of how many followed when it ends, so that a client
 * guessing bot tokens or claiming sessions is seen once, not once a try.
 *
 * @example
 * ```ts
 * const refusals = handshakeRefusalLog(log, config.trustProxy ?? false);
 * io.use(identifySocket({ botToken, onRefused: (error, socket) => refusals.refused(error, socket.request) }));
 * ```
 */
export function handshakeRefusalLog(log: Logger, trustProxy: boolean): HandshakeRefusalLog {
  const episodes = new EpisodeLog<{ code: string; client: string }>({
    ended: ({ first, count, startedAt, lastAt }) =>
      log.warn(
        { code: first.code, client: first.client, refused: count, durationMs: lastAt - startedAt },
        'connection refusals ended',
      ),
  });
  return {
    refused(error, request) {
      const client = clientKeyOf(request, trustProxy) ?? 'unknown';
      if (episodes.note(`${client} ${error.code}`, { code: error.code, client })) {
        log.warn({ code: error.code, client, err: error.detail }, 'connection refused');
      }
    },
    close: () => episodes.close(),
  };
}
