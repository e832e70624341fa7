import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { MessageContent } from '../relay/events.js';
import type { RunReason } from './job-run.js';
import type { ScheduleSpec } from './schedule-spec.js';
import type { StoredJob } from './schedule-store.js';
import type { JobOrigin } from './schedule-view.js';
import { UpcomingRuns } from './upcoming-runs.js';

/** What a code job's handler gets on each run. */
export interface JobContext {
  readonly jobId: string;
  readonly reason: RunReason;
  /** The cron slot of this run; `null` for run-now. */
  readonly scheduledFor: Date | null;
  /** Publishes through the relay's one publish path as `{ kind: 'schedule', name: jobId }`. */
  publish(content: unknown, options?: { room?: string | null }): { id: string };
}

/** The work of a code job (e.g. a bot's `bot.every`); a throw or rejection is a failed run. */
export type JobHandler = (context: JobContext) => unknown;

/**
 * A job inside the scheduler: what it runs (content to publish, or a handler), and its node-cron task,
 * created stopped. `running` is the run in progress, the guard against overlapping runs. A broken job (a
 * stored one that cannot be scheduled) has no task and never runs; it is listed, and can be deleted.
 */
export interface ScheduledJob {
  readonly id: string;
  readonly cron: string;
  readonly timezone: string | undefined;
  readonly origin: JobOrigin;
  readonly content: MessageContent | undefined;
  readonly room: string | undefined;
  readonly handler: JobHandler | undefined;
  readonly owner: string | undefined;
  /** `undefined` for a broken job. */
  readonly task: ScheduledTask | undefined;
  /** The task's next fire times, kept until it fires (see {@link UpcomingRuns}). */
  readonly upcoming: UpcomingRuns | undefined;
  /** Why the job cannot be scheduled, e.g. `cron "…" is invalid: never matches …`; `undefined`: it can. */
  readonly broken: string | undefined;
  running: Promise<unknown> | undefined;
}

/**
 * Makes a {@link ScheduledJob} whose node-cron task (not started) calls `onSlot` with each slot's time,
 * and logs node-cron's own warnings (e.g. a slot missed by a blocked event loop) through `logger`.
 *
 * @example
 * ```ts
 * const job = createScheduledJob(spec, { origin: 'api', logger, onSlot: (job, slot) => run(job, slot) });
 * job.task.start();
 * ```
 */
export function createScheduledJob(
  spec: ScheduleSpec,
  options: {
    origin: JobOrigin;
    logger: Logger;
    onSlot: (job: ScheduledJob, slot: Date) => unknown;
    handler?: JobHandler;
    owner?: string;
  },
): ScheduledJob {
  const log = options.logger.child({ job: spec.id });
  let job: ScheduledJob | undefined;
  const task = createTask(spec.cron, (context) => (job ? options.onSlot(job, context.date) : undefined), {
    name: spec.id,
    ...(spec.timezone ? { timezone: spec.timezone } : {}),
    logger: {
      info: (message) => log.debug(String(message)),
      warn: (message) => log.warn(String(message)),
      error: (message, error) => log.error({ err: error }, String(message)),
      debug: (message) => log.debug(String(message)),
    },
  });
  const { handler } = options;
  job = {
    id: spec.id,
    cron: spec.cron,
    timezone: spec.timezone,
    origin: options.origin,
    content: handler ? undefined : spec.content,
    room: handler ? undefined : spec.room,
    handler,
    owner: options.owner,
    task,
    upcoming: new UpcomingRuns(task),
    broken: undefined,
    running: undefined,
  };
  return job;
}

/**
 * Makes the {@link ScheduledJob} of a stored job that cannot be scheduled: shown as stored, with why it is
 * broken, and no task.
 *
 * @example
 * ```ts
 * const job = createBrokenJob(stored.fields, 'job "x": cron "0 0 31 * 1#1" is invalid: never matches …');
 * ```
 */
export function createBrokenJob(fields: StoredJob['fields'], problem: string): ScheduledJob {
  const { content } = fields;
  const shown = typeof content === 'string' || (typeof content === 'object' && content !== null);
  return {
    id: fields.id,
    cron: fields.cron,
    timezone: fields.timezone,
    origin: 'api',
    content: shown && !Array.isArray(content) ? (content as MessageContent) : undefined,
    room: fields.room,
    handler: undefined,
    owner: undefined,
    task: undefined,
    upcoming: undefined,
    broken: problem,
    running: undefined,
  };
}
