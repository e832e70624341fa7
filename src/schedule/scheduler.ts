import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';
import { emitSafely } from './emit-safely.js';
import { JobExecutor } from './job-executor.js';
import { mapInSlices } from './map-in-slices.js';
import { loadStoredJobs, parseScheduleSpec, type ScheduleSpec } from './schedule-spec.js';
import { ScheduleStore } from './schedule-store.js';
import {
  DEFAULT_MAX_JOBS,
  type JobOrigin,
  type JobRun,
  type SchedulerEvents,
  type SchedulerOptions,
  type ScheduleView,
  type SlotClaim,
} from './schedule-types.js';
import {
  assertRemovable,
  createScheduledJob,
  destroyTask,
  type JobHandler,
  type ScheduledJob,
  stopJobs,
  viewJob,
} from './scheduled-job.js';

/**
 * Runs scheduled announcements: jobs from the config file, jobs added at runtime (kept in a SQLite store, so
 * a restart loses and duplicates none) and code jobs such as bots' `bot.every`. Every run publishes through
 * `relay.publish` with `meta.from = { id: jobId, name: jobId, kind: 'schedule' }`; runs of one job never
 * overlap; the last run of each job is recorded, and emitted as a `run` event.
 *
 * Missed runs are caught up once, within `missedRunGraceMs` (see {@link JobExecutor}). A stored job that
 * cannot be scheduled (its cron never fires) never stops the start: it is logged, listed as `broken`,
 * never run, and can be removed.
 *
 * @example
 * ```ts
 * const server = createRelayServer({ scheduler: { store: 'data/schedules.db' } });
 * await server.listen();
 * server.scheduler.add({ id: 'standup', cron: '0 55 9 * * 1-5', timezone: 'Europe/Paris', content: 'Stand-up in 5 minutes' });
 * server.scheduler.on('run', (run) => logger.info({ job: run.jobId, outcome: run.outcome }, 'job ran'));
 * ```
 */
export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly #options: SchedulerOptions;
  readonly #log: Logger;
  readonly #jobs = new Map<string, ScheduledJob>();
  #store: ScheduleStore | undefined;
  #started = false;
  #claim: SlotClaim | undefined;
  #closing: Promise<void> | undefined;
  readonly #executor: JobExecutor;

  constructor(options: SchedulerOptions) {
    super();
    this.#options = options;
    this.#log = options.logger.child({ part: 'scheduler' });
    this.#executor = new JobExecutor({
      relay: options.relay,
      log: this.#log,
      missedRunGraceMs: options.missedRunGraceMs,
      store: () => this.#store,
      claim: () => this.#claim,
      notify: (event, ...args) => emitSafely(this, this.#log, event, ...args),
    });
    for (const spec of options.declared ?? []) {
      this.#jobs.set(spec.id, this.#makeJob(spec, 'config'));
    }
  }

  /** The store's file (resolved), once `start()` has opened it. */
  get storePath(): string | undefined {
    return this.#store?.path;
  }

  /**
   * Opens the store, loads the runtime jobs, applies the missed-run policy and starts every job that is
   * not paused. Idempotent. The relay calls it once it listens.
   */
  start(): void {
    if (this.#started || this.#closing) return;
    this.#started = true;
    // A relay that never had a job leaves no file behind; the store is made when the first job comes.
    const file = this.#options.store;
    const hasFile = file !== ':memory:' && existsSync(path.resolve(file));
    if (!hasFile && this.#jobs.size === 0) {
      this.#log.debug({ store: file }, 'scheduler started without jobs');
      return;
    }
    const store = this.#openStore();
    const make = (spec: ScheduleSpec) => this.#makeJob(spec, 'api');
    const { maxContentBytes } = this.#options;
    const loading = { taken: this.#jobs, make, log: this.#log, maxContentBytes };
    for (const job of loadStoredJobs(store.listJobs(), loading)) this.#jobs.set(job.id, job);
    const now = new Date();
    for (const job of this.#jobs.values()) this.#activate(job, now);
    this.#log.info({ jobs: this.#jobs.size, store: store.path }, 'scheduler started');
  }

  /**
   * Adds a runtime job, kept in the store until removed. Throws `RELAY_ERR_INVALID_SCHEDULE` (naming the
   * field), `RELAY_ERR_SCHEDULE_EXISTS`, `RELAY_ERR_TOO_MANY_SCHEDULES` at `maxJobs` runtime jobs, or
   * `RELAY_ERR_STORE_UNAVAILABLE` when the store could not keep it.
   */
  add(input: unknown): ScheduleView {
    this.#assertOpen();
    const spec = parseScheduleSpec(input, { maxContentBytes: this.#options.maxContentBytes });
    if (this.#jobs.has(spec.id)) {
      throw new RelayError('RELAY_ERR_SCHEDULE_EXISTS', `a job with id "${spec.id}" exists`);
    }
    const runtimeJobs = [...this.#jobs.values()].filter((job) => job.origin === 'api').length;
    if (runtimeJobs >= (this.#options.maxJobs ?? DEFAULT_MAX_JOBS)) {
      throw new RelayError(
        'RELAY_ERR_TOO_MANY_SCHEDULES',
        `job "${spec.id}" not added: ${runtimeJobs} jobs added over the API exist, the scheduler.maxJobs limit`,
      );
    }
    if (!this.#openStore().insertJob(spec, new Date())) {
      throw new RelayError('RELAY_ERR_SCHEDULE_EXISTS', `a job with id "${spec.id}" is in the store`);
    }
    const job = this.#makeJob(spec, 'api');
    this.#jobs.set(spec.id, job);
    if (this.#started) this.#activate(job, new Date());
    return this.#changed('added', job, { cron: spec.cron, timezone: spec.timezone });
  }

  /**
   * Adds a code job that runs `handler` on `cron` for as long as its owner lives; returns the function that
   * removes it. Not kept in the store (its code declares it again at start), but its last run is.
   */
  every(
    id: string,
    cron: string,
    handler: JobHandler,
    options: { timezone?: string; owner?: string } = {},
  ): () => void {
    this.#assertOpen();
    const spec = parseScheduleSpec({ id, cron, timezone: options.timezone, content: '(code)' });
    if (this.#jobs.has(id)) throw new RelayError('RELAY_ERR_SCHEDULE_EXISTS', `a job with id "${id}" exists`);
    const job = this.#makeJob(spec, 'code', handler, options.owner);
    this.#jobs.set(id, job);
    if (this.#started) this.#activate(job, new Date());
    return () => {
      if (this.#jobs.get(id) === job) this.#drop(job);
    };
  }

  /**
   * The bots' scheduler interface (`BotScheduler` in src/bots): pass the relay's scheduler to the bot host
   * and `bot.every` jobs show up in `GET /v1/schedules` with every other job. The owner is the part of `id`
   * before the first `:` (bot jobs are `botName:jobName`).
   */
  schedule(id: string, cron: string, handler: () => Promise<void>): { stop(): void } {
    const colon = id.indexOf(':');
    const stop = this.every(id, cron, () => handler(), colon > 0 ? { owner: id.slice(0, colon) } : {});
    return { stop };
  }

  /** Removes a runtime job for good. Config and code jobs are `RELAY_ERR_SCHEDULE_READ_ONLY`. */
  remove(id: string): void {
    this.#assertOpen();
    const job = this.#find(id);
    assertRemovable(job);
    const view = this.#view(job);
    this.#openStore().deleteJob(id);
    this.#drop(job);
    this.#log.info({ job: id }, 'job removed');
    emitSafely(this, this.#log, 'change', { type: 'removed', job: view });
  }

  /** Stops a job's slots until `resume`; kept across restarts. A run in progress finishes. */
  pause(id: string): ScheduleView {
    this.#assertOpen();
    const job = this.#find(id);
    this.#openStore().setPaused(id, true, new Date());
    job.task?.stop();
    return this.#changed('paused', job);
  }

  /** Starts a paused job's slots again; slots that passed while paused are not caught up. */
  resume(id: string): ScheduleView {
    this.#assertOpen();
    const job = this.#find(id);
    this.#openStore().setPaused(id, false, new Date());
    if (this.#started) job.task?.start();
    return this.#changed('resumed', job);
  }

  /**
   * Runs a job now, even a paused one, and resolves with the run's record (a failed publish is a failed
   * run, not a rejection). `RELAY_ERR_SCHEDULE_BUSY` while the job is running, `_BROKEN` for a broken one.
   */
  runNow(id: string): Promise<JobRun> {
    const job = this.#find(id);
    this.#assertOpen();
    return this.#executor.runNow(job);
  }

  /**
   * Makes this scheduler one of several (relay nodes of a cluster) that run the same jobs: before each
   * cron slot (and catch-up), `claim` decides whether this node runs it, so that each slot is announced
   * once cluster-wide. Run-now is never claimed. The relay does this with Redis when `redisUrl` is set.
   */
  coordinate(claim: SlotClaim): void {
    this.#claim = claim;
  }

  /** Every job, in the order they were added, each with its next `nextRunCount` fire times. */
  list(options: { nextRunCount?: number } = {}): ScheduleView[] {
    return [...this.#jobs.values()].map((job) => this.#view(job, options.nextRunCount));
  }

  /** {@link list} in slices of 10 ms of work (first next runs of rare crons take ms), sockets served between. */
  listInSlices(options: { nextRunCount?: number } = {}): Promise<ScheduleView[]> {
    return mapInSlices([...this.#jobs.values()], (job) =>
      this.#jobs.get(job.id) === job ? this.#view(job, options.nextRunCount) : undefined,
    );
  }

  /** For `/readyz`: not ok while the store's file is deleted, replaced or read-only. */
  storeHealth(): { ok: boolean; detail?: string } {
    return this.#closing ? { ok: true } : (this.#store?.health() ?? { ok: true });
  }

  /** One job; `RELAY_ERR_SCHEDULE_NOT_FOUND` when there is none. */
  get(id: string, options: { nextRunCount?: number } = {}): ScheduleView {
    return this.#view(this.#find(id), options.nextRunCount);
  }

  /**
   * Stops every job, waits (up to 5 s) for runs in progress, and closes the store. Idempotent; the relay
   * calls it in its `jobs` close phase.
   */
  close(): Promise<void> {
    this.#closing ??= this.#runClose();
    return this.#closing;
  }

  async #runClose(): Promise<void> {
    await stopJobs(this.#jobs.values(), this.#log);
    // A run that outlives the wait records nothing: the store is gone, not failing.
    const store = this.#store;
    this.#store = undefined;
    store?.close();
    this.#log.info('scheduler closed');
  }

  #openStore(): ScheduleStore {
    this.#store ??= ScheduleStore.open(this.#options.store, { logger: this.#log });
    return this.#store;
  }

  #makeJob(spec: ScheduleSpec, origin: JobOrigin, handler?: JobHandler, owner?: string): ScheduledJob {
    return createScheduledJob(spec, {
      origin,
      logger: this.#log,
      onSlot: (job, slot) => this.#executor.execute(job, 'scheduled', slot),
      ...(handler ? { handler } : {}),
      ...(owner ? { owner } : {}),
    });
  }

  #assertOpen(): void {
    if (this.#closing) throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the scheduler is closing');
  }

  #find(id: string): ScheduledJob {
    const job = this.#jobs.get(id);
    if (!job) throw new RelayError('RELAY_ERR_SCHEDULE_NOT_FOUND', `no job with id "${id}"`);
    return job;
  }

  #activate(job: ScheduledJob, now: Date): void {
    this.#executor.activate(job, this.#openStore(), now);
  }

  #drop(job: ScheduledJob): void {
    destroyTask(job, this.#log);
    this.#jobs.delete(job.id);
  }

  // A change made: logged, and told to `change` listeners with the job as it is now.
  #changed(type: 'added' | 'paused' | 'resumed', job: ScheduledJob, fields = {}): ScheduleView {
    this.#log.info({ job: job.id, ...fields }, `job ${type}`);
    const view = this.#view(job);
    emitSafely(this, this.#log, 'change', { type, job: view });
    return view;
  }

  #view(job: ScheduledJob, nextRunCount = 3): ScheduleView {
    const closing = this.#closing !== undefined;
    const state = closing ? undefined : this.#store?.stateIfReadable(job.id);
    return viewJob(job, state, { nextRunCount, closing });
  }
}
