import { type LoadWorker, startLoadWorker } from '../bench-processes.js';
import type { Transport, WireParser } from '../load/connect-clients.js';
import type { Deliveries } from '../load/load-protocol.js';
import { concatSamples } from '../stats.js';
import type { MetricSpec } from './workload-case.js';

/**
 * What receiving cost the load generator, per delivery: on a shared machine that CPU comes out of the
 * server's cores, so workloads report it next to the server's.
 */
export const RECEIVER_CPU_METRIC: MetricSpec = {
  key: 'receiverCpuPerDelivery',
  label: "receivers' CPU per delivery (load generator)",
  unit: 'µs',
  better: 'lower',
  digits: 1,
};

/** The value of {@link RECEIVER_CPU_METRIC} for collected deliveries (µs). */
export function receiverCpuPerDelivery(got: Deliveries): number {
  return (got.cpuMs * 1000) / Math.max(1, got.count);
}

/** Receivers spread over load-worker processes, all recording deliveries of one tag. */
export interface Receivers {
  readonly count: number;
  readonly connectMs: number;
  record(tag: string): Promise<void>;
  /** Waits until every receiver has `perReceiver` deliveries, or `timeoutMs` passed. */
  waitFor(perReceiver: number, timeoutMs: number): Promise<void>;
  collect(): Promise<Deliveries>;
  close(): Promise<void>;
}

/**
 * Connects `count` receivers to `url` over `procs` worker processes (as evenly as possible); with `jwt`,
 * each presents its own token.
 */
export async function connectReceivers(
  url: string,
  count: number,
  procs: number,
  transport: Transport,
  parser?: WireParser,
  jwt = false,
): Promise<Receivers> {
  const lanes = Math.max(1, Math.min(procs, count));
  const shares: number[] = Array.from(
    { length: lanes },
    (_, i) => Math.floor(count / lanes) + (i < count % lanes ? 1 : 0),
  );
  const workers: LoadWorker[] = await Promise.all(shares.map(() => startLoadWorker()));
  const close = () => Promise.all(workers.map((w) => w.close())).then(() => undefined);
  let connectMs = 0;
  try {
    const started = performance.now();
    await Promise.all(
      workers.map((w, i) =>
        w.call({ cmd: 'connect', url, count: shares[i] ?? 0, transport, inFlight: 50, parser, jwt }),
      ),
    );
    connectMs = performance.now() - started;
  } catch (error) {
    await close();
    throw error;
  }
  return {
    count,
    connectMs,
    record: (tag) => Promise.all(workers.map((w) => w.call({ cmd: 'record', tag }))).then(() => undefined),
    waitFor: (perReceiver, timeoutMs) =>
      Promise.all(
        workers.map((w, i) =>
          w.call({ cmd: 'waitFor', expected: perReceiver * (shares[i] ?? 0), timeoutMs }),
        ),
      ).then(() => undefined),
    collect: async () => {
      const parts = await Promise.all(workers.map((w) => w.call<Deliveries>({ cmd: 'collect' })));
      return {
        count: parts.reduce((n, p) => n + p.count, 0),
        samples: concatSamples(parts.map((p) => p.samples)),
        firstAt: Math.min(...parts.map((p) => p.firstAt)),
        lastAt: Math.max(...parts.map((p) => p.lastAt)),
        disconnected: parts.reduce((n, p) => n + p.disconnected, 0),
        cpuMs: parts.reduce((n, p) => n + p.cpuMs, 0),
      };
    },
    close,
  };
}
