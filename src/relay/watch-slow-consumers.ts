import { Counter } from 'prom-client';
import type { RelayCore } from './relay-core.js';

// engine.io's connection, read loosely: only what measuring and cutting it needs.
interface EngineConnection {
  writeBuffer: Array<{ data?: unknown }>;
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
}

/**
 * Bytes waiting to be sent on an engine.io connection: packets engine.io still holds (the transport was
 * not writable) plus what the WebSocket has handed to the kernel but the peer has not taken yet.
 */
export function bufferedBytes(connection: EngineConnection): number {
  let bytes =
    connection.transport.name === 'websocket' ? (connection.transport.socket?.bufferedAmount ?? 0) : 0;
  for (const packet of connection.writeBuffer) {
    const data = packet.data;
    if (typeof data === 'string') bytes += data.length;
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) bytes += data.byteLength;
  }
  return bytes;
}

/**
 * Cuts slow consumers: every `bufferCheckIntervalMs`, each socket's write buffer is measured, and a socket
 * with more than `maxBufferedBytes` waiting at two measurements in a row, and no less at the second, is
 * disconnected (a warn line, and `relay_slow_consumers_disconnected_total`): a client that stops reading
 * cannot make the node's memory grow without bound, while one that is working through a burst (e.g. what
 * recovery replays to it) is left to drain. The cut is a transport close, so the client reconnects by itself
 * and, with connection state recovery, gets what it missed. Measuring on a timer keeps the publish path
 * free of the cost.
 *
 * @example
 * ```ts
 * watchSlowConsumers(server); // createRelayServer does it; maxBufferedBytes: 0 turns it off
 * ```
 */
export function watchSlowConsumers(server: RelayCore): void {
  const { maxBufferedBytes, bufferCheckIntervalMs } = server.config;
  if (maxBufferedBytes === 0) return;
  const log = server.logger.child({ part: 'relay' });
  const cut = new Counter({
    name: 'relay_slow_consumers_disconnected_total',
    help: 'Sockets disconnected because more than maxBufferedBytes were waiting to be sent to them.',
    registers: [server.metricsRegistry],
  });
  // The previous measurement of each connection that was over the cap.
  const over = new WeakMap<object, number>();
  const timer = setInterval(() => {
    for (const socket of server.io.of('/').sockets.values()) {
      const connection = socket.conn as unknown as EngineConnection;
      const bytes = bufferedBytes(connection);
      const before = over.get(connection);
      if (bytes <= maxBufferedBytes) {
        over.delete(connection);
        continue;
      }
      over.set(connection, bytes);
      if (before === undefined || bytes < before) continue; // over the cap, but draining: look again
      log.warn(
        { socket: socket.id, name: socket.data.name, bufferedBytes: bytes, maxBufferedBytes },
        'slow consumer disconnected',
      );
      cut.inc();
      // Discard what is buffered and close now (a plain close would wait for the buffer to drain); a
      // WebSocket closing politely would also keep its buffer until the peer answers, so end it at once.
      const ws = connection.transport.name === 'websocket' ? connection.transport.socket : undefined;
      connection.close(true);
      ws?.terminate?.();
    }
  }, bufferCheckIntervalMs);
  timer.unref();
  server.onClose(() => clearInterval(timer));
}
