import type { Server as HttpServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config/relay-config-schema.js';
import type { ApiMiddleware } from '../http/api-middleware.js';
import { RelayCore } from '../relay/relay-core.js';
import { Scheduler } from '../schedule/scheduler.js';

/**
 * A relay as `createRelayServer` builds it: the core ({@link RelayCore}: HTTP server, socket.io, the
 * publish path, the lifecycle) with its whole configuration and the job scheduler that features share.
 *
 * @example
 * ```ts
 * const server = createRelayServer({ port: 0 });
 * await server.listen();
 * server.scheduler.add({ id: 'standup', cron: '0 55 9 * * 1-5', content: 'Stand-up in 5 minutes' });
 * await server.close();
 * ```
 */
export class RelayServer extends RelayCore {
  declare readonly config: RelayConfig;
  /**
   * The job scheduler: scheduled announcements from the config file, the HTTP API and bots' `bot.every`.
   * Starts when the relay listens, stops before the bots and sockets when it closes.
   */
  readonly scheduler: Scheduler;
  /**
   * The `admin` token the HTTP API made up because no `api.tokens` are configured (`relay serve` shows
   * it in its start banner); undefined when tokens are configured. A secret: show it to the operator only.
   */
  generatedApiToken: string | undefined;
  /**
   * The HTTP API's bearer authentication and problem answers for routes of your own app:
   * `app.post('/deploy', server.api.requireScope('publish'), handler)` answers a missing or weak token
   * with a problem+json 401/403. Set by `createRelayServer` when it mounts the API.
   */
  api!: ApiMiddleware;
  #draining: Promise<void> | undefined;

  constructor(options: { config: RelayConfig; logger: Logger; app?: Express; httpServer?: HttpServer }) {
    super(options);
    this.scheduler = new Scheduler({
      relay: this.relay,
      logger: options.logger,
      store: options.config.scheduler.store,
      missedRunGraceMs: options.config.scheduler.missedRunGraceMs,
      maxJobs: options.config.scheduler.maxJobs,
      maxContentBytes: options.config.maxContentBytes,
      declared: options.config.schedules,
    });
  }

  /** True from `drain()` on: `/readyz` answers 503 while the relay still serves everything else. */
  get draining(): boolean {
    return this.#draining !== undefined;
  }

  /**
   * Closes the relay after `delayMs` (default: the `drainDelayMs` setting) during which it keeps serving
   * but is not ready: `/readyz` answers 503 (`draining`), so a load balancer (Kubernetes' endpoints)
   * stops sending it new clients before sockets close. `close()` during the delay closes at once.
   * Resolves once closed; idempotent.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void server.drain());
   * ```
   */
  drain(delayMs = this.config.drainDelayMs): Promise<void> {
    if (this.closing) return this.close();
    this.#draining ??= this.#runDrain(delayMs);
    return this.#draining;
  }

  async #runDrain(delayMs: number): Promise<void> {
    const closesAt = Date.now() + delayMs;
    this.addReadinessCheck('draining', () => ({
      ok: false,
      detail: `closing in ${Math.max(0, closesAt - Date.now())} ms`,
    }));
    this.logger
      .child({ part: 'relay' })
      .info({ delayMs }, `relay draining: /readyz answers 503, closing in ${delayMs} ms`);
    const cut = new AbortController();
    // close() called meanwhile (a second signal, a failing feature) ends the wait.
    this.onPreClose(() => cut.abort());
    await delay(delayMs, undefined, { signal: cut.signal }).catch(() => undefined);
    await this.close();
  }
}
