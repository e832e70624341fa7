import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { clientKeyOf } from './address-limit.js';
import type { Authenticator } from './authenticator.js';
import { checkedAuthenticator } from './check-identity.js';
import { closeTransports } from './close-transports.js';
import type { ConnectionSettings } from './connection.js';
import { createConnectionHandler } from './create-connection-handler.js';
import type { HostGuard } from './create-host-guard.js';
import { handshakeRefusalLog } from './handshake-refusal-log.js';
import { identifySocket } from './identify-socket.js';
import { listenHttp } from './listen-http.js';
import { logUnsupportedClients } from './log-unsupported-clients.js';
import { Relay } from './relay.js';
import { RelayError } from './relay-error.js';
import { createRelayIo, type RelayIo, type RelayIoSettings } from './relay-io.js';
import {
  type CloseHook,
  LifecycleHooks,
  type Readiness,
  type ReadinessCheck,
  ReadinessChecks,
  type RelayAddress,
  type RelayLifecycle,
} from './relay-lifecycle.js';

/**
 * What the core of a relay needs of its settings; the config file's `RelayConfig` is one. The core reads
 * nothing else, so it knows no feature's settings.
 */
export interface RelayCoreSettings extends ConnectionSettings, RelayIoSettings {
  readonly port: number;
  readonly maxContentBytes: number;
  readonly maxBotHops: number;
  readonly botToken?: string | undefined;
  readonly shutdownTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly bufferCheckIntervalMs: number;
}

/**
 * The core of a relay: an Express app and a socket.io server on one HTTP server, the {@link Relay}
 * publish path, the seed's connection semantics, and a lifecycle features register with. It knows no
 * feature: the composition root (`createRelayServer`) mounts them. `close()` runs the pre-close hooks,
 * closes sockets (letting them drain), then HTTP, then the close hooks.
 */
export class RelayCore implements RelayLifecycle {
  readonly app: Express;
  readonly io: RelayIo;
  readonly httpServer: HttpServer;
  readonly relay: Relay;
  readonly logger: Logger;
  readonly config: RelayCoreSettings;
  /**
   * The secret bot connections present as `auth.botToken`: the `botToken` setting, else a random one
   * made at start-up and handed to in-process bots. Never log it.
   */
  readonly botToken: string;
  /**
   * This relay's Prometheus registry, for features' own metrics (e.g. the cluster's adapter errors);
   * one per relay, so several relays in one process never share metrics.
   */
  readonly metricsRegistry = new Registry();
  /**
   * The `Host` names this relay answers (`allowedHosts`, see createHostGuard): checked for every socket
   * handshake here, for every HTTP request by the composition root's first layer, and by the API's CORS.
   */
  readonly hostGuard: HostGuard;
  readonly #log: Logger; // part "relay", for the lifecycle's lines too
  readonly #readiness = new ReadinessChecks();
  readonly #hooks: LifecycleHooks;
  #authenticator: Authenticator | undefined;
  #closing: Promise<void> | undefined;
  #address: RelayAddress | undefined;
  #attached = false;

  constructor(options: {
    config: RelayCoreSettings;
    logger: Logger;
    app?: Express;
    httpServer?: HttpServer;
  }) {
    const { config, logger } = options;
    this.config = config;
    this.logger = logger;
    this.app = options.app ?? express();
    if (!options.app) this.app.disable('x-powered-by');
    this.httpServer = options.httpServer ?? createServer(this.app);
    this.#hooks = new LifecycleHooks(logger);
    const log = logger.child({ part: 'relay' });
    this.#log = log;
    const created = createRelayIo(this.httpServer, config, log, this.metricsRegistry);
    ({ io: this.io, hostGuard: this.hostGuard } = created);
    this.onClose(() => created.addressLimit?.close());
    const io = this.io;
    this.relay = new Relay({
      io,
      logger: log,
      maxContentBytes: config.maxContentBytes,
      maxHops: config.maxBotHops,
      // A person's sockets are logged by their client: one that opens many is one episode of refusals.
      clientOf: (from) => {
        const socket = from.kind === 'user' ? io.of('/').sockets.get(from.id) : undefined;
        return socket === undefined ? undefined : clientKeyOf(socket.request, config.trustProxy ?? false);
      },
    });
    this.botToken = config.botToken ?? randomBytes(24).toString('base64url');
    const refusals = handshakeRefusalLog(log, config.trustProxy ?? false);
    this.onClose(() => refusals.close());
    this.io.use(
      identifySocket({
        botToken: this.botToken,
        authenticator: () => this.#authenticator,
        onRefused: (error, socket) => refusals.refused(error, socket.request),
      }),
    );
    this.io.on('connection', createConnectionHandler({ relay: this.relay, config, logger: log }));
    // socket.io 2.x clients are refused by engine.io (allowEIO3 stays off) and would retry unseen.
    const unsupported = logUnsupportedClients(this.io, log);
    this.onClose(() => unsupported.close());
  }

  /**
   * Makes every person's connection (any socket without the bot token) prove who they are: the
   * handshake waits for `authenticator`, and its identity (stable user id, name, roles, rooms, expiry)
   * replaces what the client says about itself. What it throws refuses the handshake with a typed
   * `connect_error`. Without one, people are anonymous. A relay has at most one; install it before
   * `listen()`.
   *
   * @example
   * ```ts
   * server.authenticateWith(async ({ auth }) => ({ userId: await userOf(auth.token), name: 'Ann' }));
   * ```
   */
  authenticateWith(authenticator: Authenticator): void {
    if (this.#authenticator !== undefined) throw new Error('this relay already has an authenticator');
    // The relay trusts what it answers on every message: checked once here, whoever wrote it.
    const checked = checkedAuthenticator(authenticator, (error, count) =>
      this.#log.error(
        { code: error.code, err: error.cause ?? error.detail, refused: count },
        'connection refused',
      ),
    );
    this.#authenticator = checked.authenticate;
    this.onClose(() => checked.close());
  }

  /** The address after `listen()` resolved; throws before. */
  get address(): RelayAddress {
    if (!this.#address) throw new Error('the relay is not listening yet; await listen() first');
    return this.#address;
  }

  /** True once `close()` has been called: producers should refuse new work. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Starts listening on `port`/`host` (defaults: the config's). Resolves with the bound address;
   * rejects with `RELAY_ERR_PORT_IN_USE` when the port is taken.
   */
  async listen(port = this.config.port, host = this.config.host): Promise<RelayAddress> {
    if (this.closing)
      throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'this relay was closed; create a new one');
    await this.#start(await listenHttp(this.httpServer, port, host));
    this.#log.info({ ...this.address }, 'relay listening');
    return this.address;
  }

  /**
   * Starts without listening: another process owns the port and hands this relay its connections (a
   * worker of `relay serve --workers`, whose primary balances connections with `@socket.io/sticky`).
   * `address` is where that process listens: bots connect there. Runs the start-up hooks as `listen()`
   * does; the relay counts as listening for `/readyz` from then on.
   */
  async attach(address: RelayAddress): Promise<RelayAddress> {
    if (this.closing)
      throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'this relay was closed; create a new one');
    this.#attached = true;
    await this.#start(address);
    this.#log.info({ url: address.url }, 'relay attached');
    return address;
  }

  async #start(address: RelayAddress): Promise<void> {
    this.#address = address;
    try {
      await this.#hooks.runListen(address);
    } catch (error) {
      // Whatever started (the port, bots, jobs) is closed again, so a failed start leaves nothing running.
      this.#log.error({ err: error }, 'start-up failed; closing the relay');
      await this.close();
      throw error;
    }
  }

  /**
   * Registers work to start once the relay listens, before `listen()` resolves: things that connect to
   * the relay as clients (bots) or publish on their own (schedules). A hook that throws fails `listen()`.
   */
  onListen(hook: (address: RelayAddress) => unknown): void {
    this.#hooks.onListen(hook);
  }

  /**
   * Registers work to stop when `close()` starts, while sockets are still open (a bot's last answer still
   * reaches its room). Pre-close hooks run in reverse registration order.
   *
   * @example
   * ```ts
   * server.onPreClose(() => scheduler.close());
   * ```
   */
  onPreClose(hook: CloseHook): void {
    this.#hooks.onPreClose(hook);
  }

  /**
   * Registers work to run once sockets and HTTP are closed (closing sockets may still need a Redis
   * connection, say). Close hooks run in reverse registration order.
   *
   * @example
   * ```ts
   * server.onClose(() => redis.close());
   * ```
   */
  onClose(hook: CloseHook): void {
    this.#hooks.onClose(hook);
  }

  /**
   * Registers a condition of readiness under `name` (replacing one of that name): a relay whose check
   * says `ok: false` is alive but should get no traffic, e.g. while its Redis is unreachable.
   *
   * @example
   * ```ts
   * server.addReadinessCheck('redis', () => ({ ok: links.state.ready }));
   * ```
   */
  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.#readiness.set(name, check);
  }

  /** Asks every readiness check; a check that throws counts as not ok. */
  checkReadiness(): Readiness {
    return this.#readiness.ask((this.httpServer.listening || this.#attached) && !this.closing);
  }

  /**
   * Closes the relay: the pre-close hooks (producers: jobs, bots), then sockets (clients see a transport
   * close and reconnect, to this relay when it comes back or to another node), then HTTP, then the close
   * hooks. Pending writes drain for up to `shutdownTimeoutMs`, then remaining connections are cut.
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#runClose();
    return this.#closing;
  }

  async #runClose(): Promise<void> {
    this.#log.info('relay closing');
    // close() may be called from inside a handler (a signal, a hook, a publish observer): let the I/O
    // callbacks already running finish and write their acks before anything is torn down.
    await new Promise((resolve) => setImmediate(resolve));
    await this.#hooks.runClose('pre-close');
    await this.relay.stopAccepting(this.config.shutdownTimeoutMs);
    await closeTransports(this.io, this.httpServer, this.config.shutdownTimeoutMs, this.#log);
    await this.#hooks.runClose('close');
    // Last, once nothing can be refused any more: the summaries of refusal episodes still open.
    this.relay.close();
    this.#log.info('relay closed');
  }
}
