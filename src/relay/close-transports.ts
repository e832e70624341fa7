import type { Server as HttpServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RelayIo } from './relay-io.js';

/**
 * Closes every socket.io connection, then the HTTP server, letting what is buffered drain for up to
 * `timeoutMs`; past it, what is still open is cut (and logged once). Clients see "transport close" and
 * reconnect by themselves.
 *
 * @example
 * ```ts
 * await closeTransports(io, httpServer, 10_000, logger);
 * ```
 */
export async function closeTransports(
  io: RelayIo,
  httpServer: HttpServer,
  timeoutMs: number,
  logger: Logger,
): Promise<void> {
  const deadline = delay(timeoutMs, 'timeout' as const, { ref: false });
  // engine.io's own close() discards what is still buffered (a polling client's pending acks); closing
  // each connection without discarding lets its buffer drain first.
  const connections = new Set([...io.sockets.sockets.values()].map((socket) => socket.conn));
  const drained = Promise.all(
    [...connections].map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.once('close', () => resolve());
          connection.close();
        }),
    ),
  ).then(() => 'drained' as const);
  const waited = await Promise.race([drained, deadline]);
  // io.close() cuts what is left and resolves once the HTTP server has closed, which waits for requests
  // still running: past the deadline those are cut too.
  const closed = io.close().then(() => 'closed' as const);
  if (waited === 'timeout' || (await Promise.race([closed, deadline])) === 'timeout') {
    logger.warn({ timeoutMs }, 'connections still open; closing them');
    httpServer.closeAllConnections();
    await closed;
  }
}
