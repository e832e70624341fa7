import type { JobRun, RelayServer } from '../../src/index.js';

/** A run of a job on one node of a cluster. */
export type NodeRun = JobRun & { readonly node: number };

/**
 * Records every `run` of `jobId` on the schedulers of `nodes` (numbered by position) from now on, to tell
 * duplicate runs by their slot (`scheduledFor`), not by when their message was published.
 */
export function recordRuns(
  nodes: readonly RelayServer[],
  jobId: string,
): {
  readonly runs: readonly NodeRun[];
  /** The distinct slots run so far, oldest first. */
  slots(): string[];
  /** The runs of one slot, on any node. */
  runsOf(slot: string): NodeRun[];
  /** Resolves once `count` distinct slots have run; rejects after `timeoutMs`. */
  untilSlots(count: number, timeoutMs: number): Promise<string[]>;
} {
  const runs: NodeRun[] = [];
  const waiters = new Set<() => void>();
  nodes.forEach((server, node) => {
    const listener = (run: JobRun) => {
      if (run.jobId !== jobId || run.scheduledFor === null) return;
      runs.push({ ...run, node });
      for (const wake of waiters) wake();
    };
    server.scheduler.on('run', listener);
  });
  const slots = () => [...new Set(runs.map((run) => run.scheduledFor as string))].sort();
  return {
    runs,
    slots,
    runsOf: (slot) => runs.filter((run) => run.scheduledFor === slot),
    untilSlots: (count, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (slots().length < count) return;
          done();
          resolve(slots());
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${slots().length} of ${count} slots of "${jobId}" ran within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}
