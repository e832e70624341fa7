import type { AcceptedMessage } from './publish-options.js';
import type { RelayIo } from './relay-io.js';
import { BOTS_ROOM } from './room-name.js';

/**
 * Emits `sendMessageFromBack(content, meta)` to the sockets an accepted message goes to: its user's
 * connections for a private message, its sender alone for `echo`, else its room (or everyone) but the
 * sender for `others`. Bots hear every message of people wherever it goes, except private ones.
 *
 * @example
 * ```ts
 * emitMessage(io, { content: 'hi', meta, target: roomKey('ops'), options: { from } });
 * ```
 */
export function emitMessage(io: RelayIo, { content, meta, target, options }: AcceptedMessage): void {
  if (meta.to !== undefined) {
    // The user's own room: all their connections, on every node, and no bot.
    io.to(target as string).emit('sendMessageFromBack', content, meta);
    return;
  }
  const delivery = options.delivery ?? 'all';
  const socketId = options.socketId;
  if (delivery === 'echo' && socketId) {
    // Bots hear what people say in every routing mode, even when people only hear themselves.
    const echo = meta.from.kind === 'user' ? io.to([socketId, BOTS_ROOM]) : io.to(socketId);
    echo.emit('sendMessageFromBack', content, meta);
    return;
  }
  const base = target === null ? io : io.to([target, BOTS_ROOM]);
  const operator = delivery === 'others' && socketId ? base.except(socketId) : base;
  operator.emit('sendMessageFromBack', content, meta);
}
