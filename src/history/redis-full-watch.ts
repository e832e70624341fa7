import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';

// While Redis is full, how often a one-key write asks whether it has room again.
const PROBE_MS = 1000;
const PROBE_KEY = 'relaykit:history:room-probe';
/** How errors and log lines name a full Redis. */
export const REDIS_FULL = 'Redis is full (its used memory is over maxmemory)';

/**
 * Whether `error` is a full Redis's answer: at `maxmemory` with `noeviction`, OOM, alone (a command, a
 * script) or inside a transaction's error.
 */
export function isRedisFull(error: unknown): boolean {
  return /\bOOM\b/.test(error instanceof Error ? error.message : String(error));
}

/** What the probe needs of the history's Redis client. */
export interface ProbeClient {
  readonly isReady: boolean;
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * Follows whether the history's Redis is full: at `maxmemory` with the `noeviction` policy (Redis's
 * default), it answers every write with OOM while it stays reachable, so the connection's state says
 * nothing. From the first OOM, the history refuses appends up front and `/readyz` says so; an episode is
 * one error line and, when it ends, one info line. A small write every second ends it without waiting
 * for a publish, which a node taken out of rotation would never get.
 *
 * @example
 * ```ts
 * const full = new RedisFullWatch(redis, logger);
 * if (full.noted(error)) throw full.refusal(error); // an OOM answer: refuse the message
 * ```
 */
export class RedisFullWatch {
  readonly #redis: ProbeClient;
  readonly #log: Logger | undefined;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(redis: ProbeClient, log?: Logger) {
    this.#redis = redis;
    this.#log = log;
  }

  /** Whether Redis answered the last write with OOM and no write has worked since. */
  get full(): boolean {
    return this.#probe !== undefined;
  }

  /** Readiness detail while full. */
  get detail(): string {
    return `${REDIS_FULL}: the history cannot keep messages`;
  }

  /** True when `error` is Redis's OOM answer; the first of an episode is logged and starts the probe. */
  noted(error: unknown): boolean {
    if (!isRedisFull(error)) return false;
    if (this.#probe !== undefined || this.#closed) return true;
    this.#log?.error(
      { err: (error as Error).message },
      `${REDIS_FULL}: the history refuses messages until it has room`,
    );
    this.#probe = setInterval(() => {
      // Only while connected: a probe queued offline would pile up until Redis is back.
      if (!this.#redis.isReady) return;
      this.#redis.sendCommand(['SET', PROBE_KEY, '1', 'PX', '10000']).then(
        () => this.wrote(),
        () => {},
      );
    }, PROBE_MS);
    this.#probe.unref();
    return true;
  }

  /** A write worked: the episode, if any, is over. */
  wrote(): void {
    if (this.#probe === undefined) return;
    clearInterval(this.#probe);
    this.#probe = undefined;
    this.#log?.info('Redis has room again: the history keeps messages');
  }

  /** What a message refused while Redis is full gets (`RELAY_ERR_STORE_UNAVAILABLE`). */
  refusal(cause?: unknown): RelayError {
    return new RelayError(
      'RELAY_ERR_STORE_UNAVAILABLE',
      `history in Redis: ${REDIS_FULL}, so nothing was kept or delivered; free memory there or raise its maxmemory`,
      { cause },
    );
  }

  /** Stops the probe. Idempotent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#probe);
    this.#probe = undefined;
  }
}
