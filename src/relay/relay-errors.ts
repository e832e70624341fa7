import { REQUEST_ERRORS } from './request-errors.js';
import { SERVICE_ERRORS } from './service-errors.js';

/**
 * The one table of RelayKit's errors. Codes are stable: clients, logs, acks and HTTP problems use them.
 * Each entry has the HTTP status that applies where there is one, a title, and how to fix it.
 * docs/errors.md's table is checked against this one by a test.
 * Kept in two files by who fixes them: the caller (4xx) or the operator (5xx).
 *
 * @example
 * ```ts
 * RELAY_ERRORS.RELAY_ERR_RATE_LIMITED.status; // 429
 * ```
 */
export const RELAY_ERRORS = { ...REQUEST_ERRORS, ...SERVICE_ERRORS } as const;

/** A stable error code, e.g. `RELAY_ERR_CONTENT_TOO_LARGE`. */
export type RelayErrorCode = keyof typeof RELAY_ERRORS;
