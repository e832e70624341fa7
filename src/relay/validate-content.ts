import type { MessageContent } from './events.js';
import { RelayError } from './relay-error.js';

const MAX_DEPTH = 32;

/** The default of the relay's `maxContentBytes` setting: largest content, in UTF-8 bytes. */
export const DEFAULT_MAX_CONTENT_BYTES = 4096;

/**
 * Checks that `content` is a non-empty string or a plain JSON object of at most `maxBytes` UTF-8 bytes
 * (objects are measured as their JSON text). Returns the content unchanged, or throws a {@link RelayError}.
 *
 * Content is never rewritten: what a client sent is what others receive.
 *
 * @example
 * ```ts
 * validateContent('Hello John !', 4096); // 'Hello John !'
 * validateContent(42, 4096); // throws RELAY_ERR_INVALID_CONTENT
 * ```
 */
export function validateContent(content: unknown, maxBytes: number): MessageContent {
  if (typeof content === 'string') {
    if (content.length === 0) {
      throw new RelayError('RELAY_ERR_INVALID_CONTENT', 'content is an empty string');
    }
    // A UTF-8 byte is at least one UTF-16 unit's worth, so short strings skip the byte count.
    if (content.length * 3 > maxBytes) {
      const bytes = Buffer.byteLength(content, 'utf8');
      if (bytes > maxBytes) {
        throw new RelayError(
          'RELAY_ERR_CONTENT_TOO_LARGE',
          `content is ${bytes} bytes, over the ${maxBytes}-byte limit`,
        );
      }
    }
    return content;
  }
  if (!isPlainObject(content)) {
    throw new RelayError('RELAY_ERR_INVALID_CONTENT', `content is ${describe(content)}`);
  }
  assertJson(content, []);
  const bytes = Buffer.byteLength(JSON.stringify(content), 'utf8');
  if (bytes > maxBytes) {
    throw new RelayError(
      'RELAY_ERR_CONTENT_TOO_LARGE',
      `content is ${bytes} bytes as JSON, over the ${maxBytes}-byte limit`,
    );
  }
  return content as MessageContent;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Walks the object once; the path of a bad value (`content.items[2].x`) is only spelled out on error, so a
// valid message costs no string building.
function assertJson(value: unknown, path: Array<string | number>): void {
  if (path.length > MAX_DEPTH) invalidAt(path, `nests deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) invalidAt(path, 'is not a finite number');
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          path.push(index);
          assertJson(value[index], path);
          path.pop();
        }
        return;
      }
      if (!isPlainObject(value)) invalidAt(path, `is ${describe(value)}`);
      for (const key of Object.keys(value)) {
        path.push(key);
        assertJson(value[key], path);
        path.pop();
      }
      return;
    default:
      invalidAt(path, `is ${describe(value)}`);
  }
}

function invalidAt(path: ReadonlyArray<string | number>, problem: string): never {
  const where = path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');
  throw new RelayError('RELAY_ERR_INVALID_CONTENT', `content${where} ${problem}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'binary';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'non-plain'} object`;
  return `a ${typeof value}`;
}
