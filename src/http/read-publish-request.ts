import type { MessageContent } from '../relay/events.js';
import { roomKey } from '../relay/room-name.js';
import { validateContent } from '../relay/validate-content.js';
import type { components } from './openapi-types.js';
import { RequestFieldError } from './request-field-error.js';

/** A `PublishRequest` of the API spec, checked. */
export interface CheckedPublishRequest {
  readonly content: MessageContent;
  readonly room: string | null;
  readonly exceptSocketId?: string;
}

type PublishRequest = components['schemas']['PublishRequest'];
const KEYS: ReadonlySet<string> = new Set<keyof PublishRequest>(['content', 'room', 'exceptSocketId']);

/**
 * Checks one message of a request body with the relay's own rules (the functions `Relay.publish` uses),
 * so that a batch can be refused whole before any message is sent. Errors name the field, prefixed
 * with `at` (e.g. `messages[2].content`).
 *
 * @example
 * ```ts
 * readPublishRequest({ content: 'Deploy done', room: 'ops' }, '', 4096);
 * ```
 */
export function readPublishRequest(
  body: unknown,
  at: string,
  maxContentBytes: number,
): CheckedPublishRequest {
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
  let content: MessageContent;
  try {
    content = validateContent(request.content, maxContentBytes);
  } catch (error) {
    throw RequestFieldError.about(fieldAt(at, 'content'), error);
  }
  const room = request.room ?? null;
  try {
    if (room !== null) roomKey(room);
  } catch (error) {
    throw RequestFieldError.about(fieldAt(at, 'room'), error);
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
    content,
    room: room as string | null,
    ...(except === undefined ? {} : { exceptSocketId: except }),
  };
}

// A field's name in errors: `content`, or `messages[2].content` inside a batch. Module-level, not a
// closure per call: this runs on every announcement.
function fieldAt(at: string, name: string): string {
  return at ? `${at}.${name}` : name;
}
