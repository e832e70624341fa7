import { type Request, Router } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { IdempotentRequests } from '../http/idempotent-requests.js';
import { jsonBody } from '../http/json-body.js';
import type { HttpApi } from '../http/mount-http-api.js';
import type { components } from '../http/openapi-types.js';
import { RequestFieldError } from '../http/request-field-error.js';
import { requireScope } from '../http/require-scope.js';
import { forwardedPrefix } from '../relay/forwarded-request.js';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import { showValue } from '../relay/show-value.js';
import { checkScheduleSpec, isScheduleId, SCHEDULE_ID_RULE } from './schedule-spec.js';
import type { JobRun, RunReason, ScheduleChange, SkippedRun } from './schedule-types.js';
import type { Scheduler } from './scheduler.js';

const RUN_REASONS: readonly RunReason[] = ['scheduled', 'catch-up', 'manual'];

/** What the schedule routes read of the relay's settings. */
export interface ScheduleRouteSettings {
  readonly maxContentBytes: number;
  readonly api: { readonly bodyLimitBytes: number };
  /** `Location` then keeps the path prefix the proxy says the caller used (X-Forwarded-Prefix). */
  readonly trustProxy?: boolean;
}

/**
 * Adds the scheduler to the relay's HTTP API: the `/v1/schedules` routes (admin scope) and the
 * `relay_schedule_*` metrics on `/metrics`.
 *
 * @example
 * ```ts
 * mountScheduleApi({ api: mountHttpApi(server), scheduler, lifecycle: server, settings: config });
 * ```
 */
export function mountScheduleApi(deps: {
  readonly api: HttpApi;
  readonly scheduler: Scheduler;
  readonly lifecycle: RelayLifecycle;
  readonly settings: ScheduleRouteSettings;
}): void {
  const { api, scheduler } = deps;
  api.v1.use(scheduleRoutes(scheduler, api.idempotent, deps.settings));
  const stopObserving = observeScheduleMetrics(scheduler, api.metrics.registry);
  deps.lifecycle.onClose(stopObserving);
}

type Schedule = components['schemas']['Schedule'];
type ScheduleList = components['schemas']['ScheduleList'];
type ScheduleRun = components['schemas']['ScheduleRun'];

const MAX_NEXT_RUNS = 50;

/**
 * The schedule routes of the HTTP API (under `/v1`, `admin` scope): `GET /schedules`,
 * `POST /schedules`, `GET|DELETE /schedules/{id}`, `POST /schedules/{id}/run|pause|resume`. They drive
 * `scheduler`; errors become problems through the API's problem handler.
 *
 * @example
 * ```ts
 * const api = mountHttpApi(server);
 * api.v1.use(scheduleRoutes(scheduler, api.idempotent, config));
 * ```
 */
export function scheduleRoutes(
  scheduler: Scheduler,
  idempotent: IdempotentRequests,
  settings: ScheduleRouteSettings,
): Router {
  const { maxContentBytes } = settings;
  const router = Router();
  const admin = requireScope('admin');
  // Checked before the lookup: an id no job can have is a bad request, not an unknown job.
  const id = (req: Request) => {
    const value = String(req.params.id);
    if (!isScheduleId(value)) {
      throw new RequestFieldError('RELAY_ERR_INVALID_REQUEST', 'id', `a schedule id is ${SCHEDULE_ID_RULE}`);
    }
    return value;
  };

  // In slices: the first listing of many jobs computes their next runs, which must not stall the sockets.
  router.get('/schedules', admin, async (req, res) => {
    const body: ScheduleList = {
      schedules: await scheduler.listInSlices({ nextRunCount: nextCount(req.query.next) }),
    };
    res.json(body);
  });

  router.post('/schedules', admin, ...jsonBody(settings.api.bodyLimitBytes), async (req, res) => {
    // Checked here first so that the problem's `field` names the bad member of the body.
    const checked = checkScheduleSpec(req.body, { maxContentBytes, label: 'body' });
    if (!checked.ok) {
      throw new RequestFieldError(
        'RELAY_ERR_INVALID_SCHEDULE',
        checked.field === '(job)' ? 'body' : checked.field,
        checked.problem,
      );
    }
    // A retry with the same Idempotency-Key gets the first answer, not RELAY_ERR_SCHEDULE_EXISTS.
    const { status, body } = await idempotent.respond(req, res, () => ({
      status: 201,
      body: scheduler.add(checked.spec) satisfies Schedule,
    }));
    const created = body as Schedule;
    res
      .status(status)
      .location(
        `${forwardedPrefix(req.headers, settings.trustProxy ?? false)}${req.baseUrl}/schedules/${encodeURIComponent(created.id)}`,
      )
      .json(created);
  });

  router.get('/schedules/:id', admin, (req, res) => {
    const body: Schedule = scheduler.get(id(req), { nextRunCount: nextCount(req.query.next) });
    res.json(body);
  });

  router.delete('/schedules/:id', admin, (req, res) => {
    scheduler.remove(id(req));
    res.status(204).end();
  });

  // A retried run-now with the same Idempotency-Key is answered the first run's record, not run again;
  // a run whose publish was refused is not remembered, so that its retry runs.
  router.post('/schedules/:id/run', admin, async (req, res) => {
    // Before the key is looked up: a malformed id is a 400 even while the key store is away.
    const jobId = id(req);
    const { status, body } = await idempotent.respond(req, res, async () => {
      const run: ScheduleRun = await scheduler.runNow(jobId);
      return { status: 200, body: run, keep: run.outcome !== 'failed' };
    });
    res.status(status).json(body);
  });

  router.post('/schedules/:id/pause', admin, (req, res) => {
    const body: Schedule = scheduler.pause(id(req));
    res.json(body);
  });

  router.post('/schedules/:id/resume', admin, (req, res) => {
    const body: Schedule = scheduler.resume(id(req));
    res.json(body);
  });

  return router;
}

function nextCount(value: unknown): number {
  if (value === undefined) return 3;
  // Digits only, as the spec's integer: Number() alone took '' as 0, '0x10' as 16 and '1.0' as 1.
  const count = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(count) || count > MAX_NEXT_RUNS) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      'next',
      `expected a whole number from 0 to ${MAX_NEXT_RUNS}, got ${showValue(value)}`,
    );
  }
  return count;
}

/**
 * Adds the scheduler's Prometheus metrics to `registry` (the relay's `/metrics`):
 * `relay_schedule_runs_total{job,reason,outcome}`, `relay_schedule_skipped_total{job}` (overlap) and
 * `relay_schedule_jobs{origin,state}`. Returns the function that stops observing.
 *
 * @example
 * ```ts
 * const stop = observeScheduleMetrics(server.scheduler, api.metrics.registry);
 * ```
 */
export function observeScheduleMetrics(scheduler: Scheduler, registry: Registry): () => void {
  const runs = new Counter({
    name: 'relay_schedule_runs_total',
    help: 'Scheduled job runs, by job, reason (scheduled, catch-up, manual) and outcome (ok, failed).',
    labelNames: ['job', 'reason', 'outcome'],
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'relay_schedule_skipped_total',
    help: 'Job slots skipped because the previous run of the job was still going, by job.',
    labelNames: ['job'],
    registers: [registry],
  });
  new Gauge({
    name: 'relay_schedule_jobs',
    help: 'Scheduled jobs, by origin (config, api, code) and state (active, paused, broken).',
    labelNames: ['origin', 'state'],
    // Every worker of --workers has every job: their sum would count each job once per worker.
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.reset();
      for (const job of scheduler.list({ nextRunCount: 0 })) {
        this.inc({ origin: job.origin, state: job.broken ? 'broken' : job.paused ? 'paused' : 'active' });
      }
    },
  });
  const onRun = (run: JobRun) => runs.inc({ job: run.jobId, reason: run.reason, outcome: run.outcome });
  const onSkipped = (skip: SkippedRun) => skipped.inc({ job: skip.jobId });
  // A removed job's series go with it: jobs added and removed over the API must not grow /metrics.
  const onChange = (change: ScheduleChange) => {
    if (change.type !== 'removed') return;
    const job = change.job.id;
    for (const reason of RUN_REASONS)
      for (const outcome of ['ok', 'failed']) runs.remove({ job, reason, outcome });
    skipped.remove({ job });
  };
  scheduler.on('run', onRun);
  scheduler.on('skipped', onSkipped);
  scheduler.on('change', onChange);
  return () => {
    scheduler.off('run', onRun);
    scheduler.off('skipped', onSkipped);
    scheduler.off('change', onChange);
  };
}
