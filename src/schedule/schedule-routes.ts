import { type Request, Router } from 'express';
import { jsonBody } from '../http/json-body.js';
import type { components } from '../http/openapi-types.js';
import { RequestFieldError } from '../http/request-field-error.js';
import { requireScope } from '../http/require-scope.js';
import type { RelayServer } from '../server/relay-server.js';
import { checkScheduleSpec } from './schedule-spec.js';

type Schedule = components['schemas']['Schedule'];
type ScheduleList = components['schemas']['ScheduleList'];
type ScheduleRun = components['schemas']['ScheduleRun'];

const MAX_NEXT_RUNS = 50;

/**
 * The schedule routes of the HTTP API (under `/v1`, `admin` scope): `GET /schedules`,
 * `POST /schedules`, `GET|DELETE /schedules/{id}`, `POST /schedules/{id}/run|pause|resume`. They drive
 * `server.scheduler`; errors become problems through the API's problem handler.
 *
 * @example
 * ```ts
 * const api = mountHttpApi(server);
 * api.v1.use(scheduleRoutes(server));
 * ```
 */
export function scheduleRoutes(server: RelayServer): Router {
  const { scheduler } = server;
  const { maxContentBytes } = server.config;
  const router = Router();
  const admin = requireScope('admin');
  const id = (req: Request) => String(req.params.id);

  // In slices: the first listing of many jobs computes their next runs, which must not stall the sockets.
  router.get('/schedules', admin, async (req, res) => {
    const body: ScheduleList = {
      schedules: await scheduler.listInSlices({ nextRunCount: nextCount(req.query.next) }),
    };
    res.json(body);
  });

  router.post('/schedules', admin, ...jsonBody(server.config.api.bodyLimitBytes), (req, res) => {
    // Checked here first so that the problem's `field` names the bad member of the body.
    const checked = checkScheduleSpec(req.body, { maxContentBytes, label: 'body' });
    if (!checked.ok) {
      throw new RequestFieldError(
        'RELAY_ERR_INVALID_SCHEDULE',
        checked.field === '(job)' ? 'body' : checked.field,
        checked.problem,
      );
    }
    const body: Schedule = scheduler.add(checked.spec);
    res
      .status(201)
      .location(`${req.baseUrl}/schedules/${encodeURIComponent(body.id)}`)
      .json(body);
  });

  router.get('/schedules/:id', admin, (req, res) => {
    const body: Schedule = scheduler.get(id(req), { nextRunCount: nextCount(req.query.next) });
    res.json(body);
  });

  router.delete('/schedules/:id', admin, (req, res) => {
    scheduler.remove(id(req));
    res.status(204).end();
  });

  router.post('/schedules/:id/run', admin, async (req, res) => {
    const body: ScheduleRun = await scheduler.runNow(id(req));
    res.json(body);
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
  const count = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(count) || count < 0 || count > MAX_NEXT_RUNS) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      'next',
      `expected a whole number from 0 to ${MAX_NEXT_RUNS}, got ${JSON.stringify(value)}`,
    );
  }
  return count;
}
