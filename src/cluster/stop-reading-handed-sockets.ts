import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';

// Exactly @socket.io/sticky's test (2.0.1): a request that may come in several chunks stays in the
// primary, which forwards its chunks over IPC, and must go on reading; any other socket goes to a worker.
function staysInPrimary(chunk: Buffer): boolean {
  const header = chunk.subarray(0, chunk.indexOf('\r\n\r\n')).toString().toLowerCase();
  return header.includes('content-length:') || header.includes('transfer-encoding:');
}

/**
 * Makes the primary of `relay serve --workers` stop reading a connection once `@socket.io/sticky` hands
 * its socket to a worker. Node keeps the primary's handle open, and reading, until the worker
 * acknowledges it; sticky's handle is then set to drop what it reads. A client that answers the worker
 * fast — a websocket-only client sends its socket.io CONNECT right after engine.io's open — could have
 * that frame read, and dropped, by the primary: the worker never saw it and the client waited for ever
 * (about one handshake in ten, more after another client had just disconnected). Stopped, the bytes stay
 * in the kernel for the worker. Must be called after sticky's `setupMaster`, so that this runs first on
 * each connection's first chunk.
 *
 * @example
 * ```ts
 * setupMaster(httpServer, { loadBalancingMethod: 'least-connection' });
 * stopReadingHandedSockets(httpServer);
 * ```
 */
export function stopReadingHandedSockets(httpServer: HttpServer): void {
  httpServer.on('connection', (socket: Socket) => {
    socket.prependOnceListener('data', (chunk: Buffer) => {
      if (staysInPrimary(chunk)) return;
      // `_handle` is Node's own; the public pause() only stops the stream, not the read from the fd.
      (socket as Socket & { _handle?: { readStop?: () => number } })._handle?.readStop?.();
    });
  });
}
