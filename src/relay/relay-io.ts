import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Server } from 'socket.io';
import { ADDRESS_LIMIT_DEFAULTS, AddressLimit, type AddressLimitSettings } from './address-limit.js';
import { boundedParser } from './bounded-parser.js';
import { createHostGuard, type HostGuard } from './create-host-guard.js';
import { createOriginGuard } from './create-origin-guard.js';
import { deferRecoveredPackets } from './defer-recovered-packets.js';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events.js';

// A refused address whose requests carry X-Forwarded-For, without trustProxy: most likely a proxy, all of
// whose clients then share one limit.
const PROXIED_HINT =
  'these requests carry X-Forwarded-For: if this address is your proxy, set trustProxy so that each client is counted on its own';

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
  /** Handshakes and open connections per client address (see AddressLimit); `false`: none. */
  readonly addressLimit?: AddressLimitSettings | false;
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
  registry: Registry,
): { io: RelayIo; hostGuard: HostGuard; addressLimit: AddressLimit | undefined } {
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
  const addressLimit =
    config.addressLimit === false
      ? undefined
      : new AddressLimit(config.addressLimit ?? ADDRESS_LIMIT_DEFAULTS, {
          trustProxy: config.trustProxy ?? false,
          registry,
          onRefused: ({ address, code, proxied }) =>
            log.warn(
              { code, address, ...(proxied ? { hint: PROXIED_HINT } : {}) },
              'connections refused: the address is over addressLimit (logged once until it stops)',
            ),
          onEnded: (address, refused) =>
            log.warn({ address, refused }, 'connection refusals of an address ended'),
        });
  const io: RelayIo = new Server(httpServer, {
    maxHttpBufferSize: config.maxHttpBufferSize,
    parser: boundedParser,
    // socket.io answers its own requests before Express sees them: the host is checked here too.
    allowRequest: (req, callback) => {
      if (!hosts.isAllowed(hosts.requestHost(req.headers)))
        return callback('RELAY_ERR_HOST_NOT_ALLOWED', false);
      guard.allowRequest(req, (error, allowed) => {
        // Only a handshake that would be let in spends the address's limit.
        const refused = allowed ? addressLimit?.check(req) : undefined;
        if (refused === undefined) callback(error, allowed);
        else callback(refused, false);
      });
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
  addressLimit?.follow(io.engine);
  return { io, hostGuard: hosts, addressLimit };
}
