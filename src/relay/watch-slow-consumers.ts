import { Counter } from 'prom-client';
import type { RelayCore } from './relay-core.js';

interface EnginePacket {
  data?: unknown;
}

// engine.io's connection, read loosely: only what measuring and cutting it needs.
interface EngineConnection {
  readyState: string;
  writeBuffer: EnginePacket[];
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
  on(event: 'packetCreate', listener: (packet: EnginePacket) => void): unknown;
}

// What is known of one connection: bytes queued in engine.io since it last handed packets to the
// transport, the last measurement that found it over the cap (-1: not over), and whether its socket has
// connected (what recovery replays is queued before, in one go, and is measured by the timer only).
interface Watched {
  queued: number;
  overBytes: number;
  overAt: number;
  connected: boolean;
}

// A packet queued for a connected socket behind this many times maxBufferedBytes cuts it at once.
const HARD_CAP_FACTOR = 4;

const packetBytes = (data: unknown): number =>
  typeof data === 'string'
    ? data.length
    : data instanceof ArrayBuffer || ArrayBuffer.isView(data)
      ? data.byteLength
      : 0;

// What the WebSocket has handed to the kernel but the peer has not taken yet; O(1).
const socketBytes = (connection: EngineConnection): number =>
  connection.transport.name === 'websocket' ? (connection.transport.socket?.bufferedAmount ?? 0) : 0;

/**
 * Bytes waiting to be sent on an engine.io connection: packets engine.io still holds (the transport was
 * not writable) plus what the WebSocket has handed to the kernel but the peer has not taken yet.
 */
export function bufferedBytes(connection: EngineConnection): number {
  let bytes = socketBytes(connection);
  for (const packet of connection.writeBuffer) bytes += packetBytes(packet.data);
  return bytes;
}

/**
 * Cuts slow consumers: a socket found with more than `maxBufferedBytes` waiting to be sent at two
 * measurements at least `bufferCheckIntervalMs` apart, and no less at the second, is disconnected (a
 * warn line, and `relay_slow_consumers_disconnected_total`): a client that stops reading cannot make the
 * node's memory grow without bound, while one that is working through a burst (e.g. what recovery replays
 * to it) is left to drain, up to 4 × `maxBufferedBytes` waiting once connected: a packet queued behind
 * that much is cut at once. Measurements are taken every `bufferCheckIntervalMs` and also when a packet is
 * queued for a connected socket over the cap, so an event loop kept busy (by a flood, say) cannot postpone
 * the cut while the buffer grows. Below the cap, queuing a packet costs one addition. The cut is a transport
 * close, so the client reconnects by itself and, with connection state recovery, gets what it missed.
 *
 * @example
 * ```ts
 * watchSlowConsumers(server); // createRelayServer does it; maxBufferedBytes: 0 turns it off
 * ```
 */
export function watchSlowConsumers(server: RelayCore): void {
  const { maxBufferedBytes, bufferCheckIntervalMs } = server.config;
  if (maxBufferedBytes === 0) return;
  const hardCap = HARD_CAP_FACTOR * maxBufferedBytes;
  const log = server.logger.child({ part: 'relay' });
  const counter = new Counter({
    name: 'relay_slow_consumers_disconnected_total',
    help: 'Sockets disconnected because more than maxBufferedBytes were waiting to be sent to them.',
    registers: [server.metricsRegistry],
  });
  const watched = new WeakMap<object, Watched>();

  // One measurement; true when it and the previous one say cut. Two measurements closer than the
  // interval tell nothing: a burst the client is draining and a client that stopped reading look alike.
  const measure = (state: Watched, bytes: number, now: number): boolean => {
    if (bytes <= maxBufferedBytes) {
      state.overBytes = -1;
      return false;
    }
    if (state.overBytes !== -1 && now - state.overAt < bufferCheckIntervalMs) return false;
    const before = state.overBytes;
    state.overBytes = bytes;
    state.overAt = now;
    return before !== -1 && bytes >= before; // over the cap, but draining: look again
  };

  const cut = (
    connection: EngineConnection,
    bytes: number,
    found?: { id: string; data: { name?: string } },
  ) => {
    if (connection.readyState === 'closed') return;
    // A cut is rare: finding the socket of a connection by a scan costs nothing on the send path.
    const socket =
      found ?? [...server.io.of('/').sockets.values()].find((s) => s.conn === (connection as unknown));
    log.warn(
      { socket: socket?.id, name: socket?.data.name, bufferedBytes: bytes, maxBufferedBytes },
      'slow consumer disconnected',
    );
    counter.inc();
    // Discard what is buffered and close now (a plain close would wait for the buffer to drain); a
    // WebSocket closing politely would also keep its buffer until the peer answers, so end it at once.
    const ws = connection.transport.name === 'websocket' ? connection.transport.socket : undefined;
    connection.close(true);
    ws?.terminate?.();
  };

  server.io.engine.on('connection', (raw: unknown) => {
    const connection = raw as EngineConnection;
    const state: Watched = { queued: 0, overBytes: -1, overAt: 0, connected: false };
    watched.set(connection, state);
    connection.on('packetCreate', (packet) => {
      // 'packetCreate' comes before the packet joins the buffer, and engine.io empties the buffer whole
      // when the transport takes it: an empty buffer means everything counted so far was sent on.
      const size = packetBytes(packet.data);
      state.queued = (connection.writeBuffer.length === 0 ? 0 : state.queued) + size;
      if (state.queued <= maxBufferedBytes || !state.connected) return;
      const bytes = state.queued + socketBytes(connection);
      // Past the hard cap, at once: what one event loop turn queues (a burst of large answers) must not
      // wait for a second measurement. Counted without this packet: one large answer alone (a history
      // page of escaped text) is sent, however large; what is queued behind it is not.
      if (bytes - size <= hardCap && !measure(state, bytes, Date.now())) return;
      // Cut here, not later: while the event loop is busy, "later" is after the buffer has grown on. A
      // disconnect listener that throws must not fail the send (often a broadcast) that queued the packet.
      try {
        cut(connection, bytes);
      } catch (error) {
        log.error({ err: error }, 'cutting a slow consumer failed');
      }
    });
  });

  server.io.on('connection', (socket) => {
    const state = watched.get(socket.conn);
    if (state) state.connected = true;
  });

  const timer = setInterval(() => {
    const now = Date.now();
    for (const socket of server.io.of('/').sockets.values()) {
      const connection = socket.conn as unknown as EngineConnection;
      const state = watched.get(connection);
      if (!state) continue;
      const bytes = bufferedBytes(connection);
      if (measure(state, bytes, now)) cut(connection, bytes, socket);
    }
  }, bufferCheckIntervalMs);
  timer.unref();
  server.onClose(() => clearInterval(timer));
}
