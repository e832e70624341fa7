import { createTask, validateDetailed } from 'node-cron';
import { checkTimeZone } from './check-time-zone.js';

const FIELD_NAMES: Readonly<Record<string, string>> = {
  second: 'seconds field',
  minute: 'minutes field',
  hour: 'hours field',
  dayOfMonth: 'day-of-month field',
  month: 'month field',
  dayOfWeek: 'day-of-week field',
};

/**
 * The one check of a cron expression, wherever a job comes from (config file, HTTP API, `Scheduler.every`,
 * bots' `bot.every`, the store at start-up): node-cron's own parser (5 fields, or 6 with seconds first,
 * `*\/10 * * * * *`), then its next fire time in `timezone` (default: the process's zone), so that an
 * expression node-cron parses but that never matches a time (`0 0 31 * 1#1`: node-cron fires only when the
 * day of month and the day of week both match) is refused too. Returns what is wrong, naming the cron
 * field, or `undefined` when the expression fires.
 *
 * @example
 * ```ts
 * checkCron('0 9 * * 1-5'); // undefined
 * checkCron('61 * * * *'); // 'minutes field: 61 is a invalid expression for minute'
 * checkCron('0 0 31 * 1#1'); // 'never matches: …'
 * ```
 */
export function checkCron(expression: string, options: { timezone?: string } = {}): string | undefined {
  if (expression.trim() === '') return 'is empty; expected 5 fields, or 6 with seconds first';
  const { valid, errors } = validateDetailed(expression);
  const first = errors[0];
  if (!valid || first) {
    if (!first) return 'is not a cron expression node-cron accepts';
    const field = FIELD_NAMES[first.field];
    return field ? `${field}: ${first.message}` : first.message;
  }
  const { timezone } = options;
  const zoneProblem = timezone === undefined ? undefined : checkTimeZone(timezone);
  if (zoneProblem) return zoneProblem;
  // The detailed validation and task creation are separate code paths in node-cron; only an expression
  // both accept can be scheduled.
  let task: ReturnType<typeof createTask>;
  try {
    task = createTask(expression, () => undefined, timezone === undefined ? {} : { timezone });
  } catch (error) {
    return (error as Error).message;
  }
  try {
    // node-cron searches 100 years ahead and throws when no time matches: a task started on such an
    // expression throws from its timer, a listing of its next runs throws.
    task.getNextRuns(1);
    return undefined;
  } catch {
    return `never matches: no time in the next 100 years${timezone === undefined ? '' : ` (in ${timezone})`} fits every field; node-cron fires only when the day of month and the day of week both match`;
  } finally {
    task.destroy();
  }
}
