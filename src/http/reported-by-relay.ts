import type { Response } from 'express';

/**
 * Whether the request's error was already logged and counted by the relay's publish path
 * (`Relay.publish` or `Relay.reportRejected`), so the problem handler does not log it a second time.
 * The publish path sets it with {@link markReportedByRelay}.
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
