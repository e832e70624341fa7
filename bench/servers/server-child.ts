// The side of a benchmarked server process that talks to the orchestrator over IPC: it reports its port
// once listening, answers memory/CPU questions (after a full GC), and closes when told to.

import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What the orchestrator asks of a server process. */
export type ServerRequest = { readonly type: 'stats' } | { readonly type: 'stop' };

/** What a server process reports. */
export type ServerReport =
  | { readonly type: 'ready'; readonly port: number; readonly notes: readonly string[] }
  | {
      readonly type: 'stats';
      readonly rssBytes: number;
      readonly heapUsedBytes: number;
      /**
       * CPU time (user + system, ms) since the process started, without the full GCs the bench itself
       * forces before reading memory: those scale with the heap, not with the work being measured.
       */
      readonly cpuMs: number;
      /** Longest event-loop stall since the previous stats request (ms): a stall delays every delivery. */
      readonly loopDelayMaxMs: number;
    };

/** A started server: where it listens, what the report should say about it, and how to close it. */
export interface StartedServer {
  readonly port: number;
  readonly notes: readonly string[];
  close(): Promise<void>;
}

/** Runs a benchmark server under the orchestrator's control. */
export async function runServerChild(start: () => Promise<StartedServer>): Promise<void> {
  const send = (report: ServerReport) => process.send?.(report);
  const server = await start();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  let forcedGcMs = 0;
  loopDelay.enable();
  process.on('message', (request: ServerRequest) => {
    if (request.type === 'stats') {
      const beforeGc = process.cpuUsage();
      collectGarbage();
      const cpu = process.cpuUsage();
      const gc = process.cpuUsage(beforeGc);
      forcedGcMs += (gc.user + gc.system) / 1000;
      const memory = process.memoryUsage();
      send({
        type: 'stats',
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        cpuMs: (cpu.user + cpu.system) / 1000 - forcedGcMs,
        loopDelayMaxMs: loopDelay.max / 1e6,
      });
      loopDelay.reset();
    } else if (request.type === 'stop') {
      // Some clients may still be connected; exit even if close() waits for them.
      const timer = setTimeout(() => process.exit(0), 3000);
      server.close().finally(() => {
        clearTimeout(timer);
        process.exit(0);
      });
    }
  });
  // The orchestrator going away must not leave servers behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: server.port, notes: server.notes });
}

/** Options the orchestrator passes a server process, as JSON in BENCH_SERVER_OPTIONS. */
export function serverOptions<T>(): Partial<T> {
  const raw = process.env.BENCH_SERVER_OPTIONS;
  return raw ? (JSON.parse(raw) as Partial<T>) : {};
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}
