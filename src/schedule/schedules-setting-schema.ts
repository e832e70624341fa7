import { z } from 'zod';
import { checkScheduleSpec, type ScheduleSpec } from './schedule-spec.js';

/**
 * The `schedules` setting of the relay config (config file only: no flag or environment variable): a list
 * of jobs, each checked by {@link checkScheduleSpec}, ids unique. Errors point at
 * `schedules.<index>.<field>` and their message names the job, e.g.
 * `setting "schedules.0.cron" is invalid: job "standup": cron "61 9 * * *" is invalid: minutes field: …`.
 */
export const schedulesSettingSchema = z
  .array(
    z.custom<ScheduleSpec>().transform((value, context) => {
      const result = checkScheduleSpec(value);
      if (result.ok) return result.spec;
      context.issues.push({
        code: 'custom',
        message: result.problem,
        input: value,
        path: result.field === '(job)' ? [] : [result.field],
      });
      return z.NEVER;
    }),
  )
  // A transform, not a refinement: it keeps the setting out of the flag and environment list, which only
  // has scalar settings and lists of strings.
  .transform((jobs, context) => {
    const seen = new Map<string, number>();
    for (const [index, job] of jobs.entries()) {
      const first = seen.get(job.id);
      if (first !== undefined) {
        context.issues.push({
          code: 'custom',
          input: job.id,
          path: [index, 'id'],
          message: `job "${job.id}": duplicate id (schedules.${first} has it too); ids must be unique`,
        });
      }
      seen.set(job.id, index);
    }
    return jobs;
  });
