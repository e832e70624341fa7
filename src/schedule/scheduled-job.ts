import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { MessageContent } from '../relay/events.js';
import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import { UpcomingRuns } from './cron-times.js';
import type { ScheduleSpec } from './schedule-spec.js';
import type { JobState, StoredJob } from './schedule-store.js';
import type { JobOrigin, JobRun, RunReason, ScheduleView } from './schedule-types.js';

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

/**
 * A job as the API shows it, from its stored state (`undefined`: none, or the store is closing) and
 * with its next `nextRunCount` fire times unless paused, broken or `closing`.
 *
 * @example
 * ```ts
 * const view = viewJob(job, store.getState(job.id), { nextRunCount: 3, closing: false });
 * ```
 */
export function viewJob(
  job: ScheduledJob,
  state: JobState | undefined,
  options: { nextRunCount: number; closing: boolean },
): ScheduleView {
  const paused = state?.paused ?? false;
  return {
    id: job.id,
    cron: job.cron,
    timezone: job.timezone ?? null,
    room: job.room ?? null,
    content: job.content ?? null,
    origin: job.origin,
    owner: job.owner ?? null,
    paused,
    running: job.running !== undefined,
    nextRuns:
      paused || options.closing || !job.upcoming
        ? []
        : job.upcoming.next(options.nextRunCount).map((date) => date.toISOString()),
    lastRun: state?.lastRun ?? null,
    runs: state?.runs ?? 0,
    failures: state?.failures ?? 0,
    broken: job.broken ?? null,
  };
}

/**
 * Runs a job once: publishes its content through `relay.publish` as `{ kind: 'schedule', name: job.id }`,
 * or calls its handler. Never rejects: a refused publish (in a cluster, also one Redis did not take) or a
 * throwing handler is a failed run, recorded with the error's code (`RELAY_ERR_SCHEDULE_RUN_FAILED` for a handler's own errors).
 *
 * @example
 * ```ts
 * const run = await runJob(job, 'manual', null, server.relay); // { outcome: 'ok', messageId, … }
 * ```
 */
export async function runJob(
  job: ScheduledJob,
  reason: RunReason,
  slot: Date | null,
  relay: Pick<Relay, 'publish'>,
): Promise<JobRun> {
  const startedAt = new Date();
  const from = { id: job.id, name: job.id, kind: 'schedule' } as const;
  let failure: RelayError | undefined;
  // In a cluster, or with the history, a message is out once its commit settles: a run is ok once all
  // of its messages are, and its message is the last one out (one whose commit failed reached nobody).
  const published: { readonly id: string; readonly committed?: Promise<void> }[] = [];
  const publish = (content: unknown, room: string | null) => {
    const message = relay.publish(content, { from, room });
    published.push(message.committed ? { id: message.id, committed: message.committed } : { id: message.id });
    return message.id;
  };
  try {
    if (job.handler) {
      await job.handler({
        jobId: job.id,
        reason,
        scheduledFor: slot,
        publish: (content, options = {}) => ({ id: publish(content, options.room ?? null) }),
      });
    } else {
      publish(job.content, job.room ?? null);
    }
  } catch (error) {
    failure = runFailure(job, error);
  }
  // Settled whatever the handler did: a handler that published and then threw leaves commits that
  // nothing else would wait for (an unhandled rejection ends the process).
  const settled = await Promise.allSettled(published.map(({ committed }) => committed));
  let messageId: string | undefined;
  settled.forEach((result, index) => {
    if (result.status === 'fulfilled') messageId = published[index]?.id;
    else failure ??= runFailure(job, result.reason);
  });
  return {
    jobId: job.id,
    reason,
    scheduledFor: slot?.toISOString() ?? null,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: failure ? 'failed' : 'ok',
    ...(messageId ? { messageId } : {}),
    ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
  };
}

function runFailure(job: ScheduledJob, error: unknown): RelayError {
  return error instanceof RelayError
    ? error
    : new RelayError(
        'RELAY_ERR_SCHEDULE_RUN_FAILED',
        `job "${job.id}": ${(error as Error)?.message ?? error}`,
        {
          cause: error,
        },
      );
}

/**
 * Destroys a job's node-cron task for good. node-cron's `destroy()` may return a promise (background
 * tasks) that rejects: the failure is logged, never an unhandled rejection (which ends Node 20).
 *
 * @example
 * ```ts
 * destroyTask(job, log); // the job's slots stop now
 * ```
 */
export function destroyTask(job: ScheduledJob, log: Logger): void {
  if (!job.task) return;
  Promise.resolve(job.task.destroy()).catch((error: unknown) =>
    log.warn({ job: job.id, err: error }, 'stopping the job timer failed'),
  );
}

/**
 * Stops every job's slots now and waits up to `graceMs` (default 5 s) for the runs in progress, so that a run's
 * publish is not cut by the relay closing under it; a run that takes longer is left to finish alone.
 *
 * @example
 * ```ts
 * await stopJobs(jobs.values(), log, 5000);
 * ```
 */
export async function stopJobs(jobs: Iterable<ScheduledJob>, log: Logger, graceMs = 5000): Promise<void> {
  const running: Promise<unknown>[] = [];
  for (const job of jobs) {
    destroyTask(job, log);
    if (job.running) running.push(job.running);
  }
  if (running.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([Promise.allSettled(running), grace]);
  clearTimeout(timer);
}

/**
 * Throws `RELAY_ERR_SCHEDULE_READ_ONLY` for a job that only its source can remove: the config file's,
 * or code's (a bot's `bot.every`). Runtime jobs pass.
 *
 * @example
 * ```ts
 * assertRemovable(job); // then delete it from the store
 * ```
 */
export function assertRemovable(job: ScheduledJob): void {
  if (job.origin === 'api') return;
  const source = job.origin === 'config' ? 'the config file' : `code (${job.owner ?? 'unknown owner'})`;
  throw new RelayError('RELAY_ERR_SCHEDULE_READ_ONLY', `job "${job.id}" comes from ${source}`);
}
