import type { HttpApi } from '../http/mount-http-api.js';
import type { RelayServer } from '../server/relay-server.js';
import { observeScheduleMetrics } from './schedule-metrics.js';
import { scheduleRoutes } from './schedule-routes.js';

/**
 * Adds the scheduler to the relay's HTTP API: the `/v1/schedules` routes (admin scope) and the
 * `relay_schedule_*` metrics on `/metrics`.
 *
 * @example
 * ```ts
 * mountScheduleApi(server, mountHttpApi(server));
 * ```
 */
export function mountScheduleApi(server: RelayServer, api: HttpApi): void {
  api.v1.use(scheduleRoutes(server));
  const stopObserving = observeScheduleMetrics(server.scheduler, api.metrics.registry);
  server.onClose(stopObserving);
}
