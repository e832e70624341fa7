import { ConfigError } from '../relay/config-error.js';
import { checkScheduleSpec, type ScheduleSpec } from './schedule-spec.js';

/**
 * Checks the config file's `schedules` against the relay's limits; throws a `ConfigError` naming the job's
 * index and field, or a duplicate id.
 *
 * @example
 * ```ts
 * const specs = checkDeclaredSchedules(config.schedules, { maxContentBytes: 65_536 });
 * ```
 */
export function checkDeclaredSchedules(
  declared: readonly ScheduleSpec[],
  limits: { maxContentBytes: number },
): ScheduleSpec[] {
  const specs = new Map<string, ScheduleSpec>();
  for (const [index, entry] of declared.entries()) {
    const result = checkScheduleSpec(entry, limits);
    if (!result.ok) throw new ConfigError(`schedules.${index}.${result.field}`, 'settings', result.problem);
    if (specs.has(result.spec.id)) {
      throw new ConfigError(`schedules.${index}.id`, 'settings', `job "${result.spec.id}": duplicate id`);
    }
    specs.set(result.spec.id, result.spec);
  }
  return [...specs.values()];
}
