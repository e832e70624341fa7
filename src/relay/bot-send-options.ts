import { RelayError } from './relay-error.js';
import { roomKey, userRoomKey } from './room-name.js';
import { showValue } from './show-value.js';

/** A bot's `botMessage` options, checked: where it goes, to whom, and what it answers. */
export interface BotSendRequest {
  readonly room: string | null;
  readonly causedBy?: string;
  readonly hops?: number;
  readonly to?: string;
}

/**
 * Checks the options of a bot's `botMessage` (`{ room?, to?, causedBy?, hops? }`, or none) and returns
 * them, or throws a `RelayError`: `RELAY_ERR_INVALID_ROOM`, `RELAY_ERR_INVALID_USER_ID` (`to`) or
 * `RELAY_ERR_INVALID_OPTIONS`. The relay's loop limit reads `causedBy` and `hops`.
 *
 * @example
 * ```ts
 * checkBotSendOptions({ room: 'ops', causedBy: meta.id, hops: 1 }); // { room: 'ops', causedBy, hops: 1 }
 * ```
 */
export function checkBotSendOptions(options: unknown): BotSendRequest {
  const invalid = (detail: string) => new RelayError('RELAY_ERR_INVALID_OPTIONS', detail);
  if (options === undefined || options === null) return { room: null };
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('botMessage options must be an object');
  }
  const { room, causedBy, hops, to } = options as Record<string, unknown>;
  if (room !== undefined && room !== null) roomKey(room);
  if (to !== undefined) userRoomKey(to);
  if (causedBy !== undefined && (typeof causedBy !== 'string' || causedBy === '' || causedBy.length > 128)) {
    throw invalid('causedBy must be the id of the message this one answers');
  }
  if (hops !== undefined && (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 0)) {
    throw invalid(`hops must be a whole number >= 0, got ${showValue(hops)}`);
  }
  return {
    room: typeof room === 'string' ? room : null,
    ...(causedBy === undefined ? {} : { causedBy: causedBy as string }),
    ...(hops === undefined ? {} : { hops: hops as number }),
    ...(to === undefined ? {} : { to: to as string }),
  };
}
