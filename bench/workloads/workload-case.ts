import type { ServerHandle, Target } from '../bench-processes.js';
import type { ContentKind } from '../load/bench-message.js';
import type { Transport, WireParser } from '../load/connect-clients.js';

/** One number a workload reports, and which way is better. */
export interface MetricSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** The target for RelayKit ÷ bare, when there is one: at least (`min`) or at most (`max`). */
  readonly target?: { readonly min?: number; readonly max?: number };
  /** Shown in the run's summary table (and the README), not only in the workload's own table. */
  readonly headline?: boolean;
  /** Digits after the decimal point in tables. */
  readonly digits?: number;
}

/** Settings shared by every workload of a run. */
export interface RunSettings {
  readonly transport: Transport;
  /** The bare server's parser, and its clients' (`--bare-parser`; fan-out only). */
  readonly bareParser: WireParser;
  readonly clientProcs: number;
  readonly bytes: number;
  readonly kind: ContentKind;
  readonly durationMs: number;
  readonly warmupMs: number;
}

/** How a server is started for a case: options for its process, and notes for the report. */
export interface ServerSetup {
  readonly options: object;
  readonly notes: readonly string[];
}

/** One workload at one size, run against both servers in every round. */
export interface WorkloadCase {
  readonly id: string;
  readonly workload: string;
  readonly title: string;
  readonly params: Readonly<Record<string, number | string>>;
  readonly metrics: readonly MetricSpec[];
  /** Set when the case cannot run yet (a feature it needs has not landed); the report says why. */
  readonly pending?: string;
  /** How many rounds this case runs, when fewer than the run's (slow cases such as 10 000 idle clients). */
  readonly maxRounds?: number;
  setup(target: Target): ServerSetup;
  run(server: ServerHandle, settings: RunSettings): Promise<Record<string, number>>;
}

/** How RelayKit is started for a case: createRelayServer options on top of the defaults, with notes. */
export function relaykitSetup(relay: object, notes: readonly string[] = []): ServerSetup {
  return { options: { relay, notes }, notes };
}

/** The bare baseline needs no setup except, for the bot workload, its inline `!ping` answer. */
export const BARE_SETUP: ServerSetup = { options: {}, notes: [] };

/**
 * RelayKit's setup for a sender that emits `rate` messages a second, `burst` at once: the default
 * per-socket limit (bursts of 20, 10/s) unless the workload needs more, which the notes then say.
 */
export function senderRateLimit(rate: number, burst = 20, extra: object = {}): ServerSetup {
  if (rate <= 10 && burst <= 20) return relaykitSetup(extra);
  // A second's worth of burst, so that a sender whose timer stalled (a busy machine) can catch up unrefused.
  const limit = {
    burst: Math.max(20, Math.ceil(burst), Math.ceil(rate)),
    perSecond: Math.max(10, Math.ceil(rate * 1.5)),
  };
  return relaykitSetup({ ...extra, rateLimit: limit }, [
    `per-socket rate limit raised to bursts of ${limit.burst}, ${limit.perSecond}/s (default 20, 10/s) for the bench sender; receivers send nothing, so for them it changes nothing`,
  ]);
}
