import { RelayError } from '../relay/relay-error.js';
import type { RelayErrorCode } from '../relay/relay-errors.js';

/**
 * A {@link RelayError} about one field of an HTTP request, e.g. `room` or `messages[2].content`; the
 * problem answer names it in its `field` member.
 *
 * @example
 * ```ts
 * throw new RequestFieldError('RELAY_ERR_INVALID_REQUEST', 'exceptSocketId', 'expected a string');
 * ```
 */
export class RequestFieldError extends RelayError {
  readonly field: string;

  constructor(code: RelayErrorCode, field: string, detail: string, options?: { cause?: unknown }) {
    super(code, namesField(detail, field) ? detail : `${field}: ${detail}`, options);
    this.name = 'RequestFieldError';
    this.field = field;
  }

  /** `error` as a RequestFieldError about `field`: a RelayError keeps its code, anything else is internal. */
  static about(field: string, error: unknown): RequestFieldError {
    const relayError = RelayError.from(error, `${field} could not be checked`);
    return relayError instanceof RequestFieldError
      ? relayError
      : new RequestFieldError(relayError.code, field, relayError.detail, { cause: error });
  }
}

// Whether `detail` already says which field it is about (`job "x": cron must be…`): a second prefix read
// "id: body: id must be…".
function namesField(detail: string, field: string): boolean {
  const wordChar = /[\w$]/;
  for (let at = detail.indexOf(field); at >= 0; at = detail.indexOf(field, at + 1)) {
    const before = detail[at - 1];
    const after = detail[at + field.length];
    if ((before === undefined || !wordChar.test(before)) && (after === undefined || !wordChar.test(after))) {
      return true;
    }
  }
  return false;
}
