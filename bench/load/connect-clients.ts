import { io, type Socket } from 'socket.io-client';

/** How load clients reach the server. */
export type Transport = 'websocket' | 'polling-upgrade';

/** A real socket.io-client connection, without reconnection (a drop is a failure, not a retry). */
export function openClient(url: string, transport: Transport, auth?: Record<string, unknown>): Socket {
  return io(url, {
    forceNew: true,
    reconnection: false,
    timeout: 30_000,
    ...(transport === 'websocket' ? { transports: ['websocket'] } : {}),
    ...(auth ? { auth } : {}),
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
  inFlight: number;
  setup?: (socket: Socket) => void;
}): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let next = 0;
  const failures: string[] = [];
  const lane = async () => {
    while (next < options.count) {
      next += 1;
      const socket = openClient(options.url, options.transport);
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
