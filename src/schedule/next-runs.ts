import { createTask } from 'node-cron';
import { RelayError } from '../relay/relay-error.js';
import { checkCron } from './check-cron.js';
import { checkTimeZone } from './check-time-zone.js';

/**
 * The next `count` times `cron` fires after now, in `timezone` (default: the process's zone), computed by
 * node-cron itself so that they are the times a job would really run, daylight-saving changes included.
 * Throws `RELAY_ERR_INVALID_SCHEDULE` for a bad expression or zone.
 *
 * @example
 * ```ts
 * nextRuns('0 9 * * 1-5', { timezone: 'Europe/Paris', count: 3 }); // three Dates, 09:00 Paris time
 * ```
 */
export function nextRuns(
  cron: string,
  options: { timezone?: string | undefined; count?: number } = {},
): Date[] {
  const zoneProblem = options.timezone === undefined ? undefined : checkTimeZone(options.timezone);
  if (zoneProblem) throw new RelayError('RELAY_ERR_INVALID_SCHEDULE', `timezone: ${zoneProblem}`);
  const cronProblem = checkCron(cron, options.timezone === undefined ? {} : { timezone: options.timezone });
  if (cronProblem) throw new RelayError('RELAY_ERR_INVALID_SCHEDULE', `cron "${cron}": ${cronProblem}`);
  const task = createTask(cron, () => undefined, options.timezone ? { timezone: options.timezone } : {});
  try {
    return task.getNextRuns(options.count ?? 5);
  } finally {
    task.destroy();
  }
}
