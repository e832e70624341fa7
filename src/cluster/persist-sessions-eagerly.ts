import type { Socket } from 'socket.io';
import type { RelayIo } from '../relay/relay-io.js';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';

/** What socket.io keeps of a socket for connection state recovery. */
interface Session {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
}

// socket.io persists a session itself only for these reasons (socket.io's RECOVERABLE_DISCONNECT_REASONS).
const RECOVERABLE = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

/**
 * Keeps every local socket's recovery session in Redis while it is connected, not only once it
 * disconnects. socket.io persists a session as its socket closes, which a node that is killed never
 * does; with the session already in Redis, that node's clients recover on a surviving node and get
 * every broadcast they missed, from the shared stream. Sessions are written on connect and on room
 * changes (at most once per socket per tick), refreshed every half recovery window so they do not
 * expire under a long-lived connection, written again when Redis is back after an outage, and deleted
 * when a client leaves for good.
 *
 * @example
 * ```ts
 * persistSessionsEagerly(server, { deleteSession: (pid) => redis.del(`relaykit:session:${pid}`) });
 * ```
 */
export function persistSessionsEagerly(
  server: { readonly io: RelayIo; readonly lifecycle: RelayLifecycle; readonly recoveryWindowMs: number },
  options: {
    deleteSession(pid: string): Promise<unknown>;
    /** Calls `listener` each time Redis is back after an outage (RedisLinks.onBack). */
    onBack?(listener: () => void): unknown;
  },
): void {
  const windowMs = server.recoveryWindowMs;
  if (windowMs === 0) return;
  const nsp = server.io.of('/');
  const adapter = nsp.adapter as unknown as {
    persistSession(session: Session): void;
    on(event: 'join-room' | 'leave-room', listener: (room: string, id: string) => void): void;
  };
  const pidOf = (socket: Socket) => (socket as unknown as { pid: string }).pid;
  const persist = (socket: Socket) =>
    adapter.persistSession({
      sid: socket.id,
      pid: pidOf(socket),
      rooms: [...socket.rooms],
      data: socket.data,
    });

  // A move between rooms is a leave and a join in one tick: write the session once, after both.
  const pending = new Set<string>();
  const schedule = (id: string) => {
    if (pending.has(id)) return;
    pending.add(id);
    queueMicrotask(() => {
      pending.delete(id);
      const socket = nsp.sockets.get(id);
      // A socket that is gone was persisted by socket.io itself (or must not be): leave it be.
      if (socket?.connected) persist(socket);
    });
  };

  server.io.on('connection', (socket) => {
    schedule(socket.id);
    socket.on('disconnect', (reason) => {
      if (RECOVERABLE.has(reason)) return;
      options.deleteSession(pidOf(socket)).catch(() => {
        // Redis away: the adapter's client deletes it once Redis is back (else it expires by itself).
      });
    });
  });
  adapter.on('join-room', (_room, id) => schedule(id));
  adapter.on('leave-room', (_room, id) => schedule(id));

  // A Redis that comes back without its data (restarted without persistence) has none of the sessions of
  // the sockets still connected: written again, so a node killed before the next refresh leaves them
  // recoverable. (What was refused while it was away, the adapter's client makes once it is back.)
  options.onBack?.(() => {
    for (const socket of nsp.sockets.values()) persist(socket);
  });

  const refresh = setInterval(() => {
    for (const socket of nsp.sockets.values()) persist(socket);
  }, windowMs / 2);
  refresh.unref();
  server.lifecycle.onPreClose(() => clearInterval(refresh));
}
