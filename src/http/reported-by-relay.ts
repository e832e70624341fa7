import type { Response } from 'express';

/**
 * Whether the request's error was already logged: by the relay's publish path (`Relay.publish` or
 * `Relay.reportRejected`, which count it too) or by `/readyz`, which logs changes of readiness rather
 * than each answer. The problem handler then does not log it a second time. Set with
 * {@link markReportedByRelay}.
 *
 * @example
 * ```ts
 * if (!reportedByRelay(res)) logger.warn({ code }, 'http request refused');
 * ```
 */
export const reportedByRelay = (res: Response): boolean => res.locals.reportedByRelay === true;

/** Marks the request's error as reported by the relay (see {@link reportedByRelay}). */
export function markReportedByRelay(res: Response): void {
  res.locals.reportedByRelay = true;
}
