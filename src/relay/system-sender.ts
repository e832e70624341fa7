import type { Sender } from './events.js';

/**
 * The relay itself, as the author of greetings.
 *
 * @example
 * ```ts
 * socket.emit('sendMessageFromBack', 'Welcome', { from: SYSTEM_SENDER, room: LOBBY, id, at, hops: 0 });
 * ```
 */
export const SYSTEM_SENDER: Sender = Object.freeze({ id: 'relay', name: 'relay', kind: 'system' });
