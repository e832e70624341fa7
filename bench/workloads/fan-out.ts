import { type LoadWorker, startLoadWorker } from '../bench-processes.js';
import { BENCH_JWT_SECRET } from '../load/bench-tokens.js';
import type { SendResult } from '../load/load-protocol.js';
import { summarise } from '../stats.js';
import { connectReceivers, RECEIVER_CPU_METRIC, receiverCpuPerDelivery } from './receivers.js';
import { BARE_SETUP, senderRateLimit, type WorkloadCase } from './workload-case.js';

/** RelayKit's auth mode in a fan-out case: the default, or jwt with a token per client. */
export type FanOutAuth = 'anonymous' | 'jwt';

/** The fewest broadcasts a measured fan-out run sends; below it the run lasts longer than `--duration`. */
const MIN_BROADCASTS = 30;

/**
 * Workload 1, fan-out: `clients` receivers and one sender at a fixed rate chosen so that the offered load
 * is `deliveriesPerSecond` (rate = deliveries / clients). Measures deliveries a second (from the first
 * send to the last delivery) and delivery latency (send time to receipt, every receiver, every message).
 * With `auth` `jwt`, RelayKit runs in jwt auth mode and every client (the bare server's too, which ignores
 * it) presents its own HS256 token with room grants, so each message pays the sender's grant check and
 * carries a verified `meta.from`.
 */
export function fanOutCase(
  clients: number,
  deliveriesPerSecond: number,
  auth: FanOutAuth = 'anonymous',
): WorkloadCase {
  const jwt = auth === 'jwt';
  const rate = Math.max(1, Math.round(deliveriesPerSecond / clients));
  // p99 over every delivery sits in the tail of the slowest few broadcasts; with a handful of broadcasts
  // (5 000 clients at 2 msg/s for 3 s is 6) it is the worst of them, one stall of a shared core. A floor
  // on the broadcasts per run makes it a tail over enough of them to compare two servers.
  const minDurationMs = Math.ceil((MIN_BROADCASTS / rate) * 1000);
  return {
    id: `fan-out-${clients}${jwt ? '-jwt' : ''}`,
    workload: 'fan-out',
    title: `Fan-out: ${clients} clients, one sender at ${rate} msg/s${jwt ? ', jwt auth mode' : ''}`,
    params: { clients, rate, offeredDeliveriesPerSecond: rate * clients, minDurationMs, auth },
    metrics: [
      {
        key: 'deliveriesPerSecond',
        headline: true,
        label: 'deliveries/s',
        unit: '',
        better: 'higher',
        target: { min: 0.9 },
      },
      { key: 'p50', label: 'latency p50', unit: 'ms', better: 'lower', digits: 1 },
      {
        key: 'p99',
        headline: true,
        label: 'latency p99',
        unit: 'ms',
        better: 'lower',
        target: { max: 1.1 },
        digits: 1,
      },
      { key: 'max', label: 'latency max', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'lost', label: 'not delivered within the drain deadline', unit: '', better: 'lower' },
      {
        key: 'serverLoopDelayMaxMs',
        label: 'server event-loop stall, max',
        unit: 'ms',
        better: 'lower',
        digits: 1,
      },
      // Both servers deliver the offered load (deliveries/s 1.00), so CPU % compares CPU per delivery,
      // which the history's target holds within 10 % of the bare server's.
      {
        key: 'serverCpuPct',
        headline: true,
        label: 'server CPU',
        unit: '%',
        better: 'lower',
        target: { max: 1.1 },
      },
      RECEIVER_CPU_METRIC,
    ],
    setup: (target) =>
      target === 'bare'
        ? BARE_SETUP
        : senderRateLimit(rate, 20, jwt ? { auth: { mode: 'jwt', jwtSecret: BENCH_JWT_SECRET } } : {}),
    run: async (server, settings) => {
      const parser = server.target === 'bare' ? settings.bareParser : 'json';
      const receivers = await connectReceivers(
        server.url,
        clients,
        settings.clientProcs,
        settings.transport,
        parser,
        jwt,
      );
      let sender: LoadWorker | undefined;
      try {
        sender = await startLoadWorker();
        const send = (tag: string, durationMs: number) =>
          (sender as LoadWorker).call<SendResult>({
            cmd: 'send',
            url: server.url,
            transport: settings.transport,
            parser,
            jwt,
            tag,
            rate,
            durationMs,
            bytes: settings.bytes,
            kind: settings.kind,
          });
        if (settings.warmupMs > 0) await send('warm', settings.warmupMs);
        await receivers.record('fan');
        const before = await server.stats();
        const sent = await send('fan', Math.max(settings.durationMs, minDurationMs));
        await receivers.waitFor(sent.sent, 5000);
        const after = await server.stats();
        const got = await receivers.collect();
        const latency = summarise(got.samples);
        const cpuMs = after.cpuMs - before.cpuMs;
        return {
          deliveriesPerSecond: (got.count / (got.lastAt - sent.startedAt)) * 1000,
          p50: latency.p50,
          p99: latency.p99,
          max: latency.max,
          lost: sent.sent * clients - got.count,
          refused: sent.refused,
          disconnected: got.disconnected,
          serverLoopDelayMaxMs: after.loopDelayMaxMs,
          serverCpuPct: (cpuMs / (got.lastAt - sent.startedAt)) * 100,
          receiverCpuPerDelivery: receiverCpuPerDelivery(got),
        };
      } finally {
        await sender?.close();
        await receivers.close();
      }
    },
  };
}
