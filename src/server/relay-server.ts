import type { Server as HttpServer } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config/relay-config-schema.js';
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
}
