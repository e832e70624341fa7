import type { Logger } from 'pino';
import type { MessageMeta } from '../relay/events.js';
import { handshakeFlags } from '../relay/handshake-flags.js';
import type { HistoryReader } from '../relay/message-log.js';
import type { RelayIo } from '../relay/relay-io.js';

/** Longest a new connection's live messages wait behind its replay before they go out anyway (ms). */
export const REPLAY_HOLD_MS = 5000;
/**
 * How long a replayed message is still dropped when it also arrives live (ms): one stored before the
 * read may reach this node's delivery after it (another node's message comes through Redis).
 */
export const REPLAY_DEDUP_MS = 10_000;

type Socket = Parameters<Parameters<RelayIo['on']>[1]>[0];
// socket.io's per-connection writer: every packet to the socket, broadcast or not, goes through it.
type Writer = { writeToEngine(packets: unknown, options: unknown): void };

/**
 * Sends each new person's connection (not a recovered one, nor one that fills its own gap, saying
 * `auth.resumed`; not a bot) the last `count` messages of its
 * room (relay-wide announcements included) as ordinary `sendMessageFromBack(content, meta)`, oldest
 * first, after the greeting (sent by the relay's connection handler, before this one runs) and before
 * any other live message, with none missed or sent twice. The socket is in its room before the
 * read (the relay's connection handler ran first), so nothing published meanwhile is missed; what it
 * would be sent while the read is under way is held, and sent after the replay without the messages
 * the replay already carried (by `meta.id`). A read that fails or takes over {@link REPLAY_HOLD_MS}
 * lets the held messages go and replays nothing; it is logged.
 *
 * @example
 * ```ts
 * replayOnConnect({ io, log, logger, count: 20 });
 * ```
 */
export function replayOnConnect(deps: {
  io: RelayIo;
  log: HistoryReader;
  logger: Logger;
  count: number;
}): void {
  const { io, log, logger, count } = deps;
  io.on('connection', (socket) => {
    // Recovered: it gets what it missed from the recovery. `auth.resumed` (the client kit, the chat page
    // after a relay restart): it fills its own gap, and a replay would come after newer messages. A seed
    // client coming back with only socket.io's `pid` fills nothing: it gets the replay again, since
    // seeing a few messages twice beats missing what was said while it was away.
    if (socket.recovered || handshakeFlags(socket).resumed || socket.data.kind === 'bot') return;
    replayTo(socket, log, logger, count);
  });
}

function replayTo(socket: Socket, log: HistoryReader, logger: Logger, count: number): void {
  const writer = socket.client as unknown as Writer;
  const write = writer.writeToEngine;
  const held: Array<[unknown, unknown, string | undefined]> = [];
  const replayed = new Set<string>();
  let holding = true;
  let replaying = false;
  // The id of the message being emitted: outgoing listeners run just before its packet is written.
  let current: string | undefined;
  const noteOutgoing = (event: string, ...args: unknown[]) => {
    current = event === 'sendMessageFromBack' ? (args[1] as MessageMeta | undefined)?.id : undefined;
  };
  socket.prependAnyOutgoing(noteOutgoing);
  writer.writeToEngine = function (this: unknown, packets, options) {
    const id = current;
    current = undefined;
    if (replaying) return write.call(this, packets, options);
    if (id !== undefined && replayed.has(id)) return;
    if (holding) held.push([packets, options, id]);
    else write.call(this, packets, options);
  };
  const release = () => {
    if (!holding) return;
    holding = false;
    clearTimeout(timer);
    for (const [packets, options, id] of held)
      if (id === undefined || !replayed.has(id)) write.call(writer, packets, options);
    held.length = 0;
    deduplicating = setTimeout(restore, REPLAY_DEDUP_MS).unref();
  };
  let deduplicating: NodeJS.Timeout | undefined;
  const restore = () => {
    clearTimeout(deduplicating);
    socket.offAnyOutgoing(noteOutgoing);
    // The socket.io method again, from the prototype.
    delete (writer as Partial<Writer>).writeToEngine;
  };
  const timer = setTimeout(() => {
    logger.warn({ socket: socket.id, waitedMs: REPLAY_HOLD_MS }, 'replay on connect took too long; skipped');
    release();
  }, REPLAY_HOLD_MS);
  // A closed socket gets nothing more: what was held is dropped, and socket.io's writer is back.
  socket.once('disconnect', () => {
    held.length = 0;
    release();
    restore();
  });
  Promise.resolve()
    .then(() => log.read({ room: socket.data.room, limit: count }))
    .then(
      (page) => {
        if (!holding || !socket.connected) return;
        replaying = true;
        // `local`: written now, on this node only. A plain emit would first go through the cluster's
        // Redis stream (connection state recovery sends a socket's own packets that way), arrive after
        // the hold, and be dropped as a duplicate of itself.
        const here = socket.nsp.local.to(socket.id);
        try {
          for (const { content, meta } of page.messages) {
            replayed.add(meta.id);
            here.emit('sendMessageFromBack', content, meta);
          }
        } finally {
          replaying = false;
        }
        release();
      },
      (error: unknown) => {
        logger.warn(
          { socket: socket.id, err: (error as Error).message },
          'replay on connect failed; skipped',
        );
        release();
      },
    );
}
