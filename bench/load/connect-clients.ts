import { io, type Socket } from 'socket.io-client';
import msgpackParser from 'socket.io-msgpack-parser';

/** How load clients reach the server. */
export type Transport = 'websocket' | 'polling-upgrade';

/** socket.io's packet encoding: its default (JSON text frames) or socket.io-msgpack-parser (binary). */
export type WireParser = 'json' | 'msgpack';

/** A real socket.io-client connection, without reconnection (a drop is a failure, not a retry). */
export function openClient(
  url: string,
  transport: Transport,
  auth?: Record<string, unknown>,
  parser: WireParser = 'json',
): Socket {
  return io(url, {
    forceNew: true,
    reconnection: false,
    timeout: 30_000,
    ...(transport === 'websocket' ? { transports: ['websocket'] } : {}),
    ...(auth ? { auth } : {}),
    ...(parser === 'msgpack' ? { parser: msgpackParser } : {}),
  });
}

/** Waits until `socket` is connected; rejects on `connect_error`. */
export function whenConnected(socket: Socket): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
}

/**
 * Opens `count` clients with at most `inFlight` handshakes at a time and calls `setup` on each before it
 * connects. Resolves with the connected sockets; throws if any failed.
 */
export async function connectClients(options: {
  url: string;
  count: number;
  transport: Transport;
  parser?: WireParser;
  inFlight: number;
  setup?: (socket: Socket) => void;
}): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let next = 0;
  const failures: string[] = [];
  const lane = async () => {
    while (next < options.count) {
      next += 1;
      const socket = openClient(options.url, options.transport, undefined, options.parser);
      options.setup?.(socket);
      sockets.push(socket);
      try {
        await whenConnected(socket);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.inFlight, options.count) }, lane));
  if (failures.length > 0) {
    for (const socket of sockets) socket.disconnect();
    throw new Error(`${failures.length} of ${options.count} clients failed to connect: ${failures[0]}`);
  }
  return sockets;
}
