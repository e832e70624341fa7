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

/**
 * How long a handshake may take before it counts as lost. socket.io-client's own `timeout` covers only
 * the engine.io open: a socket.io CONNECT that is never answered (as through `relay serve --workers` before its
 * primary stopped reading handed-over sockets) would wait for ever.
 */
export const CONNECT_DEADLINE_MS = 15_000;
/** Handshakes tried per client before the run fails. */
export const CONNECT_ATTEMPTS = 3;

/** Waits until `socket` is connected; rejects on `connect_error`, or after `timeoutMs` without an answer. */
export function whenConnected(socket: Socket, timeoutMs = CONNECT_DEADLINE_MS): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const opened = socket.io.engine?.readyState === 'open';
      reject(
        new Error(
          `no socket.io connect within ${timeoutMs} ms (engine.io ${opened ? 'open: the CONNECT went unanswered' : 'not open'})`,
        ),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Opens a client with `open` and waits for it, trying a lost handshake again on a new socket (up to
 * CONNECT_ATTEMPTS); each retry is told on stderr, so a run shows that its server lost handshakes.
 */
export async function connectWithRetry<T extends { socket: Socket }>(open: () => T): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const opened = open();
    try {
      await whenConnected(opened.socket);
      return opened;
    } catch (error) {
      opened.socket.disconnect();
      if (attempt >= CONNECT_ATTEMPTS) throw error;
      process.stderr.write(
        `load worker: ${(error as Error).message}; trying again (${attempt}/${CONNECT_ATTEMPTS - 1})\n`,
      );
    }
  }
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
  /** One jwt per client, sent as `auth.token` (RelayKit's jwt auth mode); the bare server ignores it. */
  tokens?: readonly string[];
  setup?: (socket: Socket) => void;
}): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let next = 0;
  const failures: string[] = [];
  const lane = async () => {
    while (next < options.count) {
      const token = options.tokens?.[next];
      next += 1;
      try {
        const { socket } = await connectWithRetry(() => {
          const auth = token === undefined ? undefined : { token };
          const socket = openClient(options.url, options.transport, auth, options.parser);
          options.setup?.(socket);
          return { socket };
        });
        sockets.push(socket);
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
