import type { BenchOptions } from './bench-options.js';
import { burstCase } from './workloads/burst.js';
import { echoCase } from './workloads/echo.js';
import { fanOutCase } from './workloads/fan-out.js';
import { idleCase } from './workloads/idle.js';
import { BARE_SETUP, type WorkloadCase } from './workloads/workload-case.js';

/** A case that cannot run yet; the report shows why instead of numbers. */
function pendingCase(id: string, workload: string, title: string, reason: string): WorkloadCase {
  return {
    id,
    workload,
    title,
    params: {},
    metrics: [],
    pending: reason,
    setup: () => BARE_SETUP,
    run: () => Promise.reject(new Error(reason)),
  };
}

/** The cases of a run, in order, from the options. */
export function planCases(options: BenchOptions): WorkloadCase[] {
  const cases: WorkloadCase[] = [];
  const wanted = (workload: string) => options.only.includes(workload);
  if (wanted('fan-out')) for (const n of options.fanoutClients) cases.push(fanOutCase(n, options.fanoutLoad));
  if (wanted('burst')) cases.push(burstCase(options.burstClients, options.burstMessages));
  if (wanted('http')) {
    cases.push(
      pendingCase(
        'http',
        'http',
        `HTTP announcements: ${options.httpConcurrency} in flight, ${options.httpListeners} listeners`,
        'needs the HTTP API (issue 3), not merged yet',
      ),
    );
  }
  if (wanted('echo')) cases.push(echoCase(options.echoBackground, options.echoLoad, options.echoIntervalMs));
  if (wanted('idle')) {
    const largest = Math.max(...options.idleClients);
    for (const n of options.idleClients)
      cases.push(idleCase(n, n === largest ? options.idleRounds : undefined));
  }
  if (wanted('bot')) {
    cases.push(
      pendingCase('bot', 'bot', 'Bot reply: `!ping` to `pong`', 'needs bots (issue 4), not merged yet'),
    );
  }
  return cases;
}
