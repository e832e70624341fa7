import type { Logger } from 'pino';

/** A hook of `close()`; one that throws is logged and the others still run. */
export type CloseHook = () => unknown;

/**
 * The narrow part of a relay's lifecycle a feature registers with: start work once the relay listens,
 * stop it when the relay closes. Hooks of `onListen` run in registration order; `onPreClose` and
 * `onClose` hooks in reverse registration order (what was started last stops first, as in Fastify).
 */
export interface RelayLifecycle {
  /** Runs once the relay listens, before `listen()` resolves; a hook that throws fails `listen()`. */
  onListen(hook: (address: RelayAddress) => unknown): void;
  /** Runs when `close()` starts, while sockets are still open: producers (jobs, bots) stop here. */
  onPreClose(hook: CloseHook): void;
  /** Runs once sockets and HTTP are closed: release resources (timers, metrics, Redis connections). */
  onClose(hook: CloseHook): void;
  /** True once `close()` has been called: producers should refuse new work. */
  readonly closing: boolean;
}

/** Where a listening relay can be reached. */
export interface RelayAddress {
  readonly port: number;
  readonly host: string;
  /** `http://host:port`, with loopback for a relay listening on all interfaces. */
  readonly url: string;
}

/** One condition of a relay's readiness (e.g. its Redis connections), asked each time `/readyz` is. */
export type ReadinessCheck = () => { readonly ok: boolean; readonly detail?: string };

/** What {@link RelayServer.checkReadiness} answers: ready when listening, not closing and every check ok. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly detail?: string }>>;
}

/**
 * The hooks features registered with a {@link RelayLifecycle}, and the order they run in: start-up
 * hooks in registration order, pre-close and close hooks in reverse (what was started last stops first).
 *
 * @example
 * ```ts
 * const hooks = new LifecycleHooks(logger);
 * hooks.onClose(() => store.close());
 * await hooks.runClose('close'); // a hook that throws is logged; the others still run
 * ```
 */
export class LifecycleHooks {
  readonly #log: Logger;
  readonly #listen: Array<(address: RelayAddress) => unknown> = [];
  readonly #stages = { 'pre-close': [] as CloseHook[], close: [] as CloseHook[] };

  constructor(log: Logger) {
    this.#log = log;
  }

  onListen(hook: (address: RelayAddress) => unknown): void {
    this.#listen.push(hook);
  }

  onPreClose(hook: CloseHook): void {
    this.#stages['pre-close'].push(hook);
  }

  onClose(hook: CloseHook): void {
    this.#stages.close.push(hook);
  }

  /** Runs the start-up hooks in order; the first that throws stops them and rejects. */
  async runListen(address: RelayAddress): Promise<void> {
    for (const hook of this.#listen) await hook(address);
  }

  /** Runs one stage's hooks, last registered first; one that throws is logged and the others still run. */
  async runClose(stage: 'pre-close' | 'close'): Promise<void> {
    for (const hook of [...this.#stages[stage]].reverse()) {
      try {
        await hook();
      } catch (error) {
        this.#log.error({ err: error, stage }, 'close hook failed');
      }
    }
  }
}

/**
 * The conditions of a relay's readiness, by name, asked each time `/readyz` is: ready when listening and
 * every check says ok. A check that throws counts as not ok, with its message as the detail.
 *
 * @example
 * ```ts
 * const checks = new ReadinessChecks();
 * checks.set('redis', () => ({ ok: links.state.ready }));
 * checks.ask(true); // { ready: true, checks: { listening: { ok: true }, redis: { ok: true } } }
 * ```
 */
export class ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>();

  /** Adds the check `name`, replacing one of that name. */
  set(name: string, check: ReadinessCheck): void {
    this.#checks.set(name, check);
  }

  /** Asks every check; `listening`: whether the relay takes connections now. */
  ask(listening: boolean): Readiness {
    const checks: Record<string, { ok: boolean; detail?: string }> = { listening: { ok: listening } };
    for (const [name, check] of this.#checks) {
      try {
        const { ok, detail } = check();
        checks[name] = detail === undefined ? { ok } : { ok, detail };
      } catch (error) {
        checks[name] = { ok: false, detail: (error as Error).message };
      }
    }
    return { ready: Object.values(checks).every((check) => check.ok), checks };
  }
}
