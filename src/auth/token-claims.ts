import type { JWTPayload } from 'jose';
import type { Identity } from '../relay/authenticator.js';
import { isRoleName, MAX_ROLES } from '../relay/check-identity.js';
import { isDefaultUserId } from '../relay/default-user-id.js';
import { isDisplayName } from '../relay/identify-socket.js';
import { RelayError } from '../relay/relay-error.js';
import { isRoomGrant, MAX_ROOM_GRANTS } from '../relay/room-grants.js';
import { isUserId, MAX_USER_ID_LENGTH } from '../relay/room-name.js';
import { showValue } from '../relay/show-value.js';

/**
 * The identity a verified token's claims give: `sub` the user id, `name` the display name (default:
 * the `sub`), `roles` and `rooms` (RelayKit's claims), `exp` the expiry (plus the clock tolerance, so
 * that the relay closes the connection only once the token would also be refused). Throws
 * `RELAY_ERR_UNAUTHENTICATED` naming the claim that is missing or of the wrong type.
 *
 * @example
 * ```ts
 * identityFromClaims({ sub: 'u-42', name: 'Ann', roles: ['admin'], rooms: ['team-*'], exp }, 5);
 * ```
 */
export function identityFromClaims(payload: JWTPayload, clockToleranceSec: number): Identity {
  const { sub, name, roles, rooms, exp } = payload as Record<string, unknown>;
  // The relay's own rule for user ids, so that every verified user can also be sent private messages.
  if (!isUserId(sub)) {
    throw refused(`claim "sub" must be the user id: 1 to ${MAX_USER_ID_LENGTH} printable characters`);
  }
  // The user ids RelayKit gives to who is not a token's subject: a token cannot claim them.
  if (isDefaultUserId(sub)) {
    throw refused(
      'claim "sub" must not start with anon:, bot:, system:, http: or schedule: (RelayKit\'s own ids)',
    );
  }
  if (name !== undefined && !isDisplayName(name)) {
    throw refused('claim "name" must be a display name of 1 to 40 printable characters');
  }
  if (typeof exp !== 'number') throw refused('claim "exp" is missing: tokens must expire');
  // jose takes any number; one past what a date can hold would make the expiry Infinity.
  if (!Number.isSafeInteger(Math.ceil((exp + clockToleranceSec) * 1000))) {
    throw refused('claim "exp" must be a date in seconds since the epoch');
  }
  // Without a name, the person is shown by their sub: its first 40 characters (code points, as the
  // name check counts them: a cut between UTF-16 units would end in half an emoji), trimmed.
  const shownAs =
    typeof name === 'string' ? name.trim() : Array.from(sub.trim()).slice(0, 40).join('').trim();
  if (shownAs === '') throw refused('claim "name" is needed when "sub" is only spaces');
  return {
    userId: sub,
    name: shownAs,
    ...(roles === undefined ? {} : { roles: checkRoles(roles) }),
    ...(rooms === undefined ? {} : { rooms: checkRooms(rooms) }),
    expiresAt: (exp + clockToleranceSec) * 1000,
  };
}

function checkRoles(roles: unknown): string[] {
  if (!Array.isArray(roles) || roles.length > MAX_ROLES) {
    throw refused(`claim "roles" must be an array of at most ${MAX_ROLES} role names`);
  }
  roles.forEach((role, index) => {
    if (!isRoleName(role)) {
      throw refused(
        `claim "roles" item ${index} (${showValue(role)}) is not a role name: 1 to 64 letters, digits, "_", ".", ":", "-"`,
      );
    }
  });
  return [...new Set(roles as string[])];
}

function checkRooms(rooms: unknown): string[] {
  if (!Array.isArray(rooms) || rooms.length > MAX_ROOM_GRANTS) {
    throw refused(`claim "rooms" must be an array of at most ${MAX_ROOM_GRANTS} room names or patterns`);
  }
  rooms.forEach((grant, index) => {
    if (!isRoomGrant(grant)) {
      throw refused(
        `claim "rooms" item ${index} (${showValue(grant)}) is neither a room name nor a prefix ending in * (e.g. "team-*")`,
      );
    }
  });
  return [...new Set(rooms as string[])];
}

function refused(detail: string): RelayError {
  return new RelayError('RELAY_ERR_UNAUTHENTICATED', detail);
}
