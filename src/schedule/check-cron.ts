import { createTask, validateDetailed } from 'node-cron';

const FIELD_NAMES: Readonly<Record<string, string>> = {
  second: 'seconds field',
  minute: 'minutes field',
  hour: 'hours field',
  dayOfMonth: 'day-of-month field',
  month: 'month field',
  dayOfWeek: 'day-of-week field',
};

/**
 * Checks a cron expression with node-cron's own parser: 5 fields, or 6 with seconds first
 * (`*\/10 * * * * *`). Returns what is wrong with it, naming the cron field, or `undefined` when it is valid.
 *
 * @example
 * ```ts
 * checkCron('0 9 * * 1-5'); // undefined
 * checkCron('61 * * * *'); // 'minutes field: 61 is a invalid expression for minute'
 * ```
 */
export function checkCron(expression: string): string | undefined {
  if (expression.trim() === '') return 'is empty; expected 5 fields, or 6 with seconds first';
  const { valid, errors } = validateDetailed(expression);
  const first = errors[0];
  if (!valid || first) {
    if (!first) return 'is not a cron expression node-cron accepts';
    const field = FIELD_NAMES[first.field];
    return field ? `${field}: ${first.message}` : first.message;
  }
  // The detailed validation and task creation are separate code paths in node-cron; only an expression
  // both accept can be scheduled.
  try {
    createTask(expression, () => undefined).destroy();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}
