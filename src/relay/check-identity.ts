import type { Authenticator, Identity } from './authenticator.js';
import { isDefaultUserId } from './default-user-id.js';
import { EpisodeLog } from './episode-log.js';
import { isDisplayName } from './identify-socket.js';
import { RelayError } from './relay-error.js';
import { isRoomGrant, MAX_ROOM_GRANTS } from './room-grants.js';
import { isUserId, MAX_USER_ID_LENGTH } from './room-name.js';
import { showValue } from './show-value.js';
import { withDeadline } from './with-deadline.js';

const ROLE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Most roles one identity may carry. */
export const MAX_ROLES = 32;

/** Whether `value` is a role name: 1 to 64 letters, digits, `_`, `.`, `:` or `-`. */
export function isRoleName(value: unknown): value is string {
  return typeof value === 'string' && ROLE_PATTERN.test(value);
}

/**
 * Checks what an authenticator answered against the {@link Identity} contract, as the relay will put it
 * on sockets and on every `meta.from`: a user id of 1 to 200 printable characters, a display name of 1 to
 * 40, at most 32 role names, at most 100 room grants, an expiry in ms since the epoch. Answers the
 * identity with its name trimmed; throws `RELAY_ERR_INVALID_IDENTITY` naming the first field that is
 * wrong.
 *
 * @example
 * ```ts
 * checkIdentity({ userId: 'u-42', name: ' Ann ' }); // { userId: 'u-42', name: 'Ann' }
 * ```
 */
export function checkIdentity(identity: unknown): Identity {
  if (typeof identity !== 'object' || identity === null) {
    throw invalid(`the answer is ${showValue(identity)}, not an object`);
  }
  const { userId, name, roles, rooms, expiresAt } = identity as Record<string, unknown>;
  if (!isUserId(userId)) {
    throw invalid(`userId ${showValue(userId)} is not 1 to ${MAX_USER_ID_LENGTH} printable characters`);
  }
  // As a token's sub: a person must not carry the id of a bot, a service or another connection.
  if (isDefaultUserId(userId)) {
    throw invalid(
      `userId ${showValue(userId)} starts with one of RelayKit's own prefixes (anon:, bot:, system:, http:, schedule:)`,
    );
  }
  if (!isDisplayName(name)) throw invalid(`name ${showValue(name)} is not 1 to 40 printable characters`);
  if (roles !== undefined && !listOf(roles, MAX_ROLES, isRoleName)) {
    throw invalid(`roles ${showValue(roles)} is not an array of at most ${MAX_ROLES} role names`);
  }
  if (rooms !== undefined && !listOf(rooms, MAX_ROOM_GRANTS, isRoomGrant)) {
    throw invalid(`rooms ${showValue(rooms)} is not an array of at most ${MAX_ROOM_GRANTS} room grants`);
  }
  if (expiresAt !== undefined && !Number.isFinite(expiresAt)) {
    throw invalid(`expiresAt ${showValue(expiresAt)} is not a time in ms since the epoch`);
  }
  return {
    userId,
    name: name.trim(),
    ...(roles === undefined ? {} : { roles: roles as string[] }),
    ...(rooms === undefined ? {} : { rooms: rooms as string[] }),
    ...(expiresAt === undefined ? {} : { expiresAt: expiresAt as number }),
  };
}

/**
 * Wraps an authenticator so that what it answers is checked ({@link checkIdentity}) before the relay
 * trusts it: a handshake it answered wrongly is refused with `RELAY_ERR_INVALID_IDENTITY`; one it failed
 * on (it threw something other than a `RelayError`, or did not answer within the deadline) with
 * `RELAY_ERR_AUTH_UNAVAILABLE`, which clients may retry. `onInvalid` logs both, once per episode of each
 * (`close()` writes the summary of the episodes still open), with what failed as the error's `cause`. A
 * `RelayError` it throws is its own refusal, passed on as it is.
 *
 * @example
 * ```ts
 * const checked = checkedAuthenticator(mine, (error, first) => first && log.error({ err: error.detail }, '…'));
 * ```
 */
export function checkedAuthenticator(
  authenticator: Authenticator,
  onInvalid: (error: RelayError, count?: number) => void,
  deadlineMs = AUTHENTICATOR_DEADLINE_MS,
): { authenticate: Authenticator; close(): void } {
  const episodes = new EpisodeLog<RelayError>({ ended: ({ first, count }) => onInvalid(first, count) });
  return {
    authenticate: async (request) => {
      let answer: unknown;
      try {
        answer = await withDeadline(authenticator(request), deadlineMs, () => new Unanswered(deadlineMs));
      } catch (error) {
        if (error instanceof RelayError) throw error;
        // The operator's to fix (a session store that is down, a bug): the client was told a RelayKit
        // bug with nothing in the log before.
        // What failed is for the log (the cause): it may name internal hosts, so the client is not told.
        const failure = new RelayError(
          'RELAY_ERR_AUTH_UNAVAILABLE',
          error instanceof Unanswered ? error.message : "the authenticator failed (the relay's log says why)",
          { cause: error },
        );
        if (episodes.note('failed', failure)) onInvalid(failure);
        throw failure;
      }
      try {
        return checkIdentity(answer);
      } catch (error) {
        const refusal = error as RelayError;
        if (episodes.note('identity', refusal)) onInvalid(refusal);
        throw refusal;
      }
    },
    close: () => episodes.close(),
  };
}

class Unanswered extends Error {
  constructor(deadlineMs: number) {
    super(`the authenticator did not answer within ${deadlineMs} ms`);
  }
}

/**
 * How long a handshake waits for an authenticator: one that never answers would hold each socket it was
 * asked about, and the client, for ever.
 */
export const AUTHENTICATOR_DEADLINE_MS = 10_000;

function listOf(value: unknown, max: number, valid: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.length <= max && value.every(valid);
}

function invalid(detail: string): RelayError {
  return new RelayError(
    'RELAY_ERR_INVALID_IDENTITY',
    `the authenticator answered an identity the relay cannot use: ${detail}`,
  );
}
