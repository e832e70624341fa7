import { RELAY_ERRORS, type RelayErrorCode } from './relay-errors.js';

/**
 * An error RelayKit reports to a client or an operator: a stable `code`, the HTTP `status` that applies,
 * and a message that says what went wrong and how to fix it.
 *
 * @example
 * ```ts
 * throw new RelayError('RELAY_ERR_CONTENT_TOO_LARGE', 'content is 9000 bytes, over the 4096-byte limit');
 * ```
 */
export class RelayError extends Error {
  readonly code: RelayErrorCode;
  readonly status: number;
  readonly title: string;
  /** What exactly was wrong, without the fix hint. */
  readonly detail: string;
  /** In a refused batch (`Relay.publishBatch`), the position of the message that was refused. */
  readonly batchIndex: number | undefined;
  /** For `RELAY_ERR_RATE_LIMITED`: milliseconds until the sender may try again; sent on the wire. */
  readonly retryAfterMs: number | undefined;
  #reported = false;

  constructor(
    code: RelayErrorCode,
    detail: string,
    options?: { cause?: unknown; batchIndex?: number; retryAfterMs?: number },
  ) {
    const entry = RELAY_ERRORS[code];
    super(`${detail}; ${entry.fix}`, options);
    this.name = 'RelayError';
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.detail = detail;
    this.batchIndex = options?.batchIndex;
    this.retryAfterMs = options?.retryAfterMs;
  }

  /**
   * True once the code that refused logged and counted this error (the publish path does): whoever
   * answers it (the HTTP problem handler) then only answers.
   */
  get reported(): boolean {
    return this.#reported;
  }

  /** Marks this error as logged and counted by the code that refused (see {@link RelayError.reported}). */
  markReported(): this {
    this.#reported = true;
    return this;
  }

  /** The shape sent to sockets in acks and `relayError` events: `retryAfterMs` only when known. */
  toWire(): { code: string; message: string; retryAfterMs?: number } {
    return this.retryAfterMs === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }

  /** An Error for socket.io middleware `next(err)`: the client's `connect_error` gets `{ code, message }` as `err.data`. */
  toConnectError(): Error & { data: { code: string; message: string; retryAfterMs?: number } } {
    return Object.assign(new Error(this.message), { data: this.toWire() });
  }

  /** `error` itself when it is a RelayError, else a `RELAY_ERR_INTERNAL` that keeps it as its cause. */
  static from(error: unknown, detail: string): RelayError {
    return error instanceof RelayError
      ? error
      : new RelayError('RELAY_ERR_INTERNAL', detail, { cause: error });
  }
}
