import type { Namespace, Socket } from 'socket.io';
import { PacketType } from 'socket.io-parser';
import { withDeadline } from './with-deadline.js';

// How long a recovery may wait for the adapter. socket.io awaits it without a limit, and the Redis
// adapter's read waits in the client's queue while Redis is away: a client that dropped during an
// outage hung in its handshake until Redis came back. Past this, it connects fresh (socket.io takes a
// failed restore as none), and the client kit fills its gap from the history.
const RESTORE_DEADLINE_MS = 2000;

// What socket.io's adapters answer a recovery with (socket.io-adapter's Session): the packets are
// event packets' data, each ending with its offset.
interface RestoredSession {
  readonly sid: string;
  readonly pid: string;
  readonly rooms: unknown;
  readonly data: unknown;
  missedPackets: unknown[][];
}
type KeptSession = Omit<RestoredSession, 'missedPackets'>;

interface SessionAdapter {
  restoreSession(pid: string, offset: string): Promise<RestoredSession | null> | null;
  persistSession(session: KeptSession): void;
}

// Held back, by the session's data object: socket.io hands that very object to the Socket it builds
// (`socket.data`), so nothing is kept once a refused socket is gone.
interface HeldBack {
  readonly session: KeptSession;
  readonly packets: unknown[][];
}
const heldBack = new WeakMap<object, HeldBack>();
const restorers = new WeakMap<object, SessionAdapter['restoreSession']>();

/**
 * Holds back what a recovered session missed until the handshake checks have accepted the socket.
 * socket.io sends those packets from the Socket's constructor, before any middleware runs, even with
 * `skipMiddlewares: false` (socket.io 4.8, lib/socket.ts): a client refused by `identifySocket` (no
 * token, an expired one, another user's) would already have been sent the room's and the user's
 * private messages of the session it named. Each adapter the namespace gets (the cluster's replaces the
 * first) answers recoveries without them; {@link releaseRecoveredPackets} sends them.
 *
 * @example
 * ```ts
 * deferRecoveredPackets(io.of('/')); // before any connection; RelayCore does it
 * ```
 */
export function deferRecoveredPackets(nsp: Namespace): void {
  let current = nsp.adapter as unknown as SessionAdapter;
  const wrap = (adapter: SessionAdapter) => {
    const restore = adapter.restoreSession.bind(adapter);
    restorers.set(adapter, restore);
    adapter.restoreSession = async (pid, offset) => {
      const session = await withDeadline(
        restore(pid, offset),
        RESTORE_DEADLINE_MS,
        () => new Error(`the adapter did not restore the session within ${RESTORE_DEADLINE_MS} ms`),
      );
      if (!session) return session;
      const { missedPackets, ...kept } = session;
      const data = typeof kept.data === 'object' && kept.data !== null ? kept.data : {};
      heldBack.set(data, { session: { ...kept, data }, packets: missedPackets });
      return { ...kept, data, missedPackets: [] };
    };
    return adapter;
  };
  wrap(current);
  Object.defineProperty(nsp, 'adapter', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (adapter: SessionAdapter) => {
      current = wrap(adapter);
    },
  });
}

/**
 * Sends a recovered socket what its session missed, once, in order; call it when the socket has been
 * accepted, before it connects. What was published while the handshake checks ran (an authenticator
 * may wait on the network) is read again from the last packet held, so that nothing falls between the
 * two reads; the session is then gone from the adapter, so it is recovered once.
 */
export async function releaseRecoveredPackets(socket: Socket): Promise<void> {
  const data = socket.data as object;
  const held = heldBack.get(data);
  if (!held) return;
  heldBack.delete(data);
  const packets = [...held.packets];
  const offset = packets.at(-1)?.at(-1) ?? socket.handshake.auth.offset;
  const adapter = socket.nsp.adapter as unknown as SessionAdapter;
  const restore = restorers.get(adapter);
  // socket.io's in-memory adapter keeps a session it restored (the Redis streams one deletes it): the
  // same pid and offset could be replayed again and again, each time sending everything since.
  const sessions = (adapter as unknown as { sessions?: unknown }).sessions;
  const kept = sessions instanceof Map ? sessions : undefined;
  if (restore && typeof offset === 'string') {
    try {
      // Put back where the adapter deleted it as it restored it, for this one read.
      if (!kept) adapter.persistSession(held.session);
      const later = await restore(held.session.pid, offset);
      if (later) packets.push(...later.missedPackets);
    } catch {
      // The offset left the stream meanwhile: what was read first is all there is.
    }
  }
  // Recovered once: the socket is live now, and its next drop persists its session anew.
  kept?.delete(held.session.pid);
  // socket.io's own way of sending a restored packet; `emit` would store it again under a new offset.
  const send = socket as unknown as { packet(packet: { type: number; data: unknown[] }): void };
  for (const data of packets) send.packet({ type: PacketType.EVENT, data });
}
