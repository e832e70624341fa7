import type { RelayError } from '../relay/relay-error.js';
import type { RelayErrorCode } from '../relay/relay-errors.js';
import type { components } from './openapi-types.js';
import { RequestFieldError } from './request-field-error.js';

/**
 * A `PublishRequest` of the API spec, its shape checked. Its content and room are checked once, by
 * `Relay.publish` (see {@link publishRefusalField} for naming them in a refusal).
 */
export interface CheckedPublishRequest {
  readonly content: unknown;
  readonly room: unknown;
  readonly exceptSocketId?: string;
}

type PublishRequest = components['schemas']['PublishRequest'];
const KEYS: ReadonlySet<string> = new Set<keyof PublishRequest>(['content', 'room', 'exceptSocketId']);

/**
 * Checks the shape of one message of a request body: a JSON object of known fields, `exceptSocketId` a
 * socket id. Errors name the field, prefixed with `at` (e.g. `messages[2].exceptSocketId`).
 *
 * @example
 * ```ts
 * readPublishRequest({ content: 'Deploy done', room: 'ops' }, '');
 * ```
 */
export function readPublishRequest(body: unknown, at: string): CheckedPublishRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestFieldError('RELAY_ERR_INVALID_REQUEST', at || 'body', 'expected a JSON object');
  }
  const request = body as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    if (!KEYS.has(key)) {
      throw new RequestFieldError(
        'RELAY_ERR_INVALID_REQUEST',
        fieldAt(at, key),
        'is not a field of a message (content, room, exceptSocketId)',
      );
    }
  }
  const except = request.exceptSocketId;
  if (except !== undefined && (typeof except !== 'string' || except === '')) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      fieldAt(at, 'exceptSocketId'),
      'expected a socket id',
    );
  }
  return {
    content: request.content,
    room: request.room ?? null,
    ...(except === undefined ? {} : { exceptSocketId: except }),
  };
}

// What the publish path refuses about a message, by field of the request.
// `userId`: the path parameter of a private message (`POST /v1/users/{userId}/messages`).
const FIELD_OF: Partial<Record<RelayErrorCode, 'content' | 'room' | 'userId'>> = {
  RELAY_ERR_INVALID_CONTENT: 'content',
  RELAY_ERR_CONTENT_TOO_LARGE: 'content',
  RELAY_ERR_INVALID_ROOM: 'room',
  RELAY_ERR_INVALID_USER_ID: 'userId',
};

/**
 * The request field a refusal of `Relay.publishBatch` is about (`content`, or `messages[2].room` in a
 * batch), or undefined when the refusal is about the request as a whole (rate limit, shutting down).
 *
 * @example
 * ```ts
 * publishRefusalField(error, 'messages'); // 'messages[2].content'
 * ```
 */
export function publishRefusalField(error: RelayError, batch?: string): string | undefined {
  const field = FIELD_OF[error.code];
  if (field === undefined) return undefined;
  return batch === undefined || error.batchIndex === undefined
    ? field
    : `${batch}[${error.batchIndex}].${field}`;
}

// A field's name in errors: `content`, or `messages[2].content` inside a batch. Module-level, not a
// closure per call: this runs on every announcement.
function fieldAt(at: string, name: string): string {
  return at ? `${at}.${name}` : name;
}
