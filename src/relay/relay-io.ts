import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { boundedParser } from './bounded-parser.js';
import { createHostGuard, type HostGuard } from './create-host-guard.js';
import { createOriginGuard } from './create-origin-guard.js';
import { deferRecoveredPackets } from './defer-recovered-packets.js';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events.js';

/** The socket.io server with RelayKit's event maps. */
export type RelayIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** What {@link createRelayIo} reads of the relay's settings. */
export interface RelayIoSettings {
  readonly host?: string | undefined;
  readonly origins: readonly string[];
  /** `Host` names answered besides IPs, `localhost` and the hosts of `origins` (see createHostGuard). */
  readonly allowedHosts: readonly string[];
  /** Take the host and scheme from a trusted proxy's `X-Forwarded-Host`/`-Proto` (see createHostGuard). */
  readonly trustProxy?: boolean;
  readonly maxHttpBufferSize: number;
  readonly recoveryWindowMs: number;
}

/**
 * The relay's socket.io server on `httpServer`, with the guards every handshake passes before socket.io
 * builds anything (the `Host` and the page's origin, each refusal logged), the bounded event parser, and
 * connection state recovery whose missed packets wait for the handshake checks. Answers the host guard
 * too: HTTP requests are checked against the same hosts.
 *
 * @example
 * ```ts
 * const { io, hostGuard } = createRelayIo(httpServer, config, logger.child({ part: 'relay' }));
 * ```
 */
export function createRelayIo(
  httpServer: HttpServer,
  config: RelayIoSettings,
  log: Logger,
): { io: RelayIo; hostGuard: HostGuard } {
  const hosts = createHostGuard({
    allowedHosts: config.allowedHosts,
    origins: config.origins,
    host: config.host,
    trustProxy: config.trustProxy ?? false,
    onRefused: (host) =>
      log.warn(
        { code: 'RELAY_ERR_HOST_NOT_ALLOWED', host },
        'request refused: host not allowed (logged once per host)',
      ),
  });
  const guard = createOriginGuard(config.origins, hosts, (origin) =>
    log.warn({ code: 'RELAY_ERR_ORIGIN_NOT_ALLOWED', origin }, 'connection refused: origin not allowed'),
  );
  const io: RelayIo = new Server(httpServer, {
    maxHttpBufferSize: config.maxHttpBufferSize,
    parser: boundedParser,
    // socket.io answers its own requests before Express sees them: the host is checked here too.
    allowRequest: (req, callback) => {
      if (hosts.isAllowed(hosts.requestHost(req.headers))) guard.allowRequest(req, callback);
      else callback('RELAY_ERR_HOST_NOT_ALLOWED', false);
    },
    cors: { origin: guard.corsOrigin, credentials: true },
    ...(config.recoveryWindowMs > 0
      ? {
          connectionStateRecovery: {
            maxDisconnectionDuration: config.recoveryWindowMs,
            // Recovery must not bypass the handshake checks (identity, bot tokens).
            skipMiddlewares: false,
          },
        }
      : {}),
  });
  if (config.recoveryWindowMs > 0) deferRecoveredPackets(io.of('/'));
  return { io, hostGuard: hosts };
}
