import type { BenchOptions } from './bench-options.js';
import { botReplyCase } from './workloads/bot-reply.js';
import { burstCase } from './workloads/burst.js';
import { echoCase } from './workloads/echo.js';
import { fanOutCase } from './workloads/fan-out.js';
import { handshakeCase } from './workloads/handshake.js';
import { httpCase } from './workloads/http-announce.js';
import { idleCase } from './workloads/idle.js';
import type { WorkloadCase } from './workloads/workload-case.js';

/** The cases of a run, in order, from the options. */
export function planCases(options: BenchOptions): WorkloadCase[] {
  const cases: WorkloadCase[] = [];
  const wanted = (workload: string) => options.only.includes(workload);
  if (wanted('fan-out'))
    for (const auth of options.fanoutAuth)
      for (const n of options.fanoutClients) cases.push(fanOutCase(n, options.fanoutLoad, auth));
  if (wanted('burst')) cases.push(burstCase(options.burstClients, options.burstMessages));
  if (wanted('http')) cases.push(httpCase(options.httpListeners, options.httpConcurrency));
  if (wanted('echo')) cases.push(echoCase(options.echoBackground, options.echoLoad, options.echoIntervalMs));
  if (wanted('idle')) {
    const largest = Math.max(...options.idleClients);
    for (const n of options.idleClients)
      cases.push(idleCase(n, n === largest ? options.idleRounds : undefined));
  }
  if (wanted('bot')) cases.push(botReplyCase(options.pings, options.pingIntervalMs));
  if (wanted('handshake')) {
    cases.push(handshakeCase('anonymous', options.handshakeClients));
    cases.push(handshakeCase('jwt', options.handshakeClients));
  }
  return cases;
}
