import type { Logger } from 'pino';
import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import { lastSlot } from './cron-times.js';
import type { ScheduleStore } from './schedule-store.js';
import type { JobRun, RunReason, SchedulerEvents, SkippedRun, SlotClaim } from './schedule-types.js';
import type { ScheduledJob } from './scheduled-job.js';
import { runJob } from './scheduled-job.js';

/** What a {@link JobExecutor} needs from its scheduler; the getters read what may change later. */
// Clocks of a cluster's nodes may disagree by this much; a slot's claim is kept that much longer.
const CLAIM_SKEW_MS = 600_000;

export interface JobExecutorOptions {
  readonly relay: Pick<Relay, 'publish'>;
  readonly log: Logger;
  /** Missed-run policy: a slot missed while the relay was down runs once at start if this recent (ms). */
  readonly missedRunGraceMs: number;
  /** The scheduler's store, once opened. */
  readonly store: () => ScheduleStore | undefined;
  /** The cluster's slot claim, once the scheduler coordinates with other nodes. */
  readonly claim: () => SlotClaim | undefined;
  /** Tells the scheduler's listeners; never throws. */
  readonly notify: <E extends keyof SchedulerEvents>(event: E, ...args: SchedulerEvents[E]) => void;
}

/**
 * Runs the slots of a scheduler's jobs: never two runs of one job at once (an overlapping slot is
 * skipped and reported), each slot recorded before it runs and claimed cluster-wide when coordinated,
 * each run's outcome recorded, logged and emitted as `run`.
 *
 * Missed-run policy: when the relay starts, a job whose latest slot passed while it was down, less than
 * `missedRunGraceMs` ago, runs once (reason `catch-up`); older slots are skipped. A slot is recorded
 * before it runs, so a restart never runs it twice.
 *
 * @example
 * ```ts
 * const executor = new JobExecutor({ relay, log, store: () => store, claim: () => undefined, notify });
 * const run = await executor.execute(job, 'manual', null);
 * ```
 */
export class JobExecutor {
  readonly #options: JobExecutorOptions;
  readonly #log: Logger;

  constructor(options: JobExecutorOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** Runs `job` for `slot` (`null`: run-now); `undefined` when skipped because a run is in progress. */
  execute(job: ScheduledJob, reason: RunReason, slot: Date | null): Promise<JobRun> | undefined {
    if (job.running) {
      const skipped: SkippedRun = {
        jobId: job.id,
        scheduledFor: (slot ?? new Date()).toISOString(),
        reason: 'overlap',
      };
      this.#log.warn(
        { job: job.id, scheduledFor: skipped.scheduledFor },
        'slot skipped: the previous run is still going',
      );
      if (slot) this.#safely(() => this.#options.store()?.markHandled(job.id, slot));
      this.#options.notify('skipped', skipped);
      return undefined;
    }
    // Recorded before the run: a crash mid-run then loses this slot rather than running it twice.
    if (slot) this.#safely(() => this.#options.store()?.markHandled(job.id, slot));
    const claim = slot ? this.#options.claim() : undefined;
    const running = (slot && claim ? this.#wins(claim, job, slot) : Promise.resolve(true))
      .then((won) => (won ? this.#run(job, reason, slot) : undefined))
      .finally(() => {
        job.running = undefined;
      });
    job.running = running;
    return running as Promise<JobRun>;
  }

  /**
   * Runs `job` now, even a paused one, and resolves with the run's record (a failed publish is a failed
   * run, not a rejection). Rejects with `RELAY_ERR_SCHEDULE_BUSY` while it runs, `_BROKEN` when broken.
   */
  runNow(job: ScheduledJob): Promise<JobRun> {
    const refusal = job.broken
      ? new RelayError('RELAY_ERR_SCHEDULE_BROKEN', `job "${job.id}" is broken: ${job.broken}`)
      : job.running &&
        new RelayError('RELAY_ERR_SCHEDULE_BUSY', `job "${job.id}" is running (since its last slot)`);
    if (refusal) return Promise.reject(refusal);
    return this.execute(job, 'manual', null) as Promise<JobRun>;
  }

  /**
   * Starts the slots of `job` unless it is paused, first running (in the background) the slot it
   * missed while the relay was down, if that is recent; records that the job exists in `store`.
   */
  activate(job: ScheduledJob, store: ScheduleStore, now: Date): void {
    if (!job.task) return;
    const state = store.getState(job.id);
    store.ensureState(job.id, now);
    if (state.paused) return;
    if (state.handledUntil !== null) this.catchUp(job, state.handledUntil, now);
    job.task.start();
  }

  /**
   * Runs, in the background, the latest slot of `job` missed since `handledUntil` (epoch ms) if it is
   * within the grace period; older slots are skipped.
   */
  catchUp(job: ScheduledJob, handledUntil: number, now: Date): void {
    if (!job.task) return;
    // lastSlot looks after `after`, exclusive: a slot exactly missedRunGraceMs old ("at most") still runs.
    const after = Math.max(handledUntil, now.getTime() - this.#options.missedRunGraceMs - 1);
    const missed = lastSlot(job.task, after, now.getTime());
    if (!missed) return;
    // Nobody awaits a catch-up run: whatever rejects in it is logged, never an unhandled rejection.
    this.execute(job, 'catch-up', missed)?.catch((error: unknown) => {
      this.#log.error({ job: job.id, err: error }, 'catch-up run failed');
    });
  }

  // Whether this node runs the slot. If the claim cannot be made (e.g. Redis went away as it was asked),
  // this node runs it rather than risk nobody doing so; its publish is refused if Redis is still away.
  async #wins(claim: SlotClaim, job: ScheduledJob, slot: Date): Promise<boolean> {
    try {
      // As long as any node may still claim the slot (a catch-up within the grace), plus clock skew.
      const keepMs = this.#options.missedRunGraceMs + CLAIM_SKEW_MS;
      const won = await claim(job.id, slot, keepMs);
      if (!won) this.#log.debug({ job: job.id, slot: slot.toISOString() }, 'slot run by another node');
      return won;
    } catch (error) {
      this.#log.warn({ job: job.id, err: error }, 'slot claim failed; running the slot on this node');
      return true;
    }
  }

  async #run(job: ScheduledJob, reason: RunReason, slot: Date | null): Promise<JobRun> {
    const run = await runJob(job, reason, slot, this.#options.relay);
    this.#safely(() => this.#options.store()?.recordRun(run, new Date()));
    if (run.error)
      this.#log.error(
        { job: job.id, reason, code: run.error.code, err: run.error.message },
        'job run failed',
      );
    else
      this.#log.info(
        { job: job.id, reason, scheduledFor: run.scheduledFor, messageId: run.messageId },
        'job ran',
      );
    this.#options.notify('run', run);
    return run;
  }

  // A store failure during a run is logged; it must not stop the job or crash the relay. An unavailable
  // store logs its episode once itself: not once per slot of every job here.
  #safely(work: () => void): void {
    try {
      work();
    } catch (error) {
      if ((error as RelayError).code === 'RELAY_ERR_STORE_UNAVAILABLE') return;
      this.#log.error({ err: error, code: 'RELAY_ERR_SCHEDULE_STORE' }, 'schedule store write failed');
    }
  }
}
