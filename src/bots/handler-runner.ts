import { AsyncLocalStorage } from 'node:async_hooks';
import { RelayError } from '../relay/relay-error.js';
import type { HandlerFailureLog } from './handler-failure-log.js';

/** The message a handler is answering: what its sends carry as their cause. */
export interface Cause {
  readonly id: string;
  readonly hops: number;
}

/** How a bot's handlers fared since it started. */
export interface HandlerStats {
  handled: number;
  failed: number;
  timedOut: number;
}

interface Scope {
  readonly cause: Cause | undefined;
  readonly signal: AbortSignal;
  /** The longest stretch the handler held the event loop without yielding, as far as it is known. */
  held: number;
}

/**
 * Runs a bot's handlers so that none can hurt the host: a throw or a rejection is logged with the bot's
 * name and counted, a handler past the timeout is abandoned (its signal aborts, its later sends are
 * refused) and logged, once per episode of a handler (see {@link HandlerFailureLog}). Sends made while a
 * handler runs find its cause through {@link current}.
 */
export class HandlerRunner {
  readonly stats: HandlerStats = { handled: 0, failed: 0, timedOut: 0 };
  readonly #scopes = new AsyncLocalStorage<Scope>();
  readonly #failures: HandlerFailureLog;
  readonly #timeoutMs: number;
  readonly #running = new Set<AbortController>();

  /** `failures`: where failures are logged (a Hubot robot's scripts log theirs there too). */
  constructor(options: { failures: HandlerFailureLog; timeoutMs: number }) {
    this.#failures = options.failures;
    this.#timeoutMs = options.timeoutMs;
  }

  /** The scope of the handler running now, if any. */
  current(): Scope | undefined {
    return this.#scopes.getStore();
  }

  /**
   * Tells the handler running now that it held the event loop `ms` without yielding, in a part the
   * runner does not time itself (a Hubot listener's callback): past the timeout, it is logged as a
   * handler that never yielded.
   */
  noteHeld(ms: number): void {
    const scope = this.#scopes.getStore();
    if (scope !== undefined) scope.held = Math.max(scope.held, ms);
  }

  /** Runs `handler`; never rejects. `label` names the handler in logs (e.g. `command !ping`). */
  async run(label: string, handler: (signal: AbortSignal) => unknown, cause?: Cause): Promise<void> {
    const controller = new AbortController();
    this.#running.add(controller);
    // The message a failure was answering, for the log line.
    const where = cause === undefined ? {} : { message: cause.id };
    let timer: NodeJS.Timeout | undefined;
    // Armed before the handler runs: its synchronous part counts, which the timer cannot interrupt but
    // can end the handler after (a handler busy 1.8 s, then awaiting 1.8 s, ran 3.6 s untouched at 2 s).
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, this.#timeoutMs, 'timeout');
    });
    // How long the handler held the event loop: its synchronous part, or a longer stretch found later in
    // its scope (noteHeld: a Hubot listener runs in promise jobs after robot.receive's synchronous part).
    const scope: Scope = { cause, signal: controller.signal, held: 0 };
    const work = this.#scopes.run(scope, async () => {
      const startedAt = performance.now();
      const result = handler(controller.signal);
      scope.held = Math.max(scope.held, performance.now() - startedAt);
      await result;
    });
    try {
      const outcome = await Promise.race([work.then(() => 'done' as const), timeout]);
      if (outcome === 'timeout') {
        const error = new RelayError(
          'RELAY_ERR_BOT_HANDLER_TIMEOUT',
          `${label} ran past ${this.#timeoutMs} ms and was abandoned`,
        );
        controller.abort(error);
        this.stats.timedOut += 1;
        // It may have held the event loop past the limit before the timer could fire: said, with how long.
        const ranMs = Math.round(scope.held);
        const held = ranMs > this.#timeoutMs ? { ranMs } : {};
        this.#failures.failed(
          'warn',
          { code: error.code, handler: label, ...where, ...held, timeoutMs: this.#timeoutMs },
          ranMs > this.#timeoutMs
            ? `${error.detail}, after holding the event loop ${ranMs} ms`
            : error.detail,
        );
        work.catch((late: unknown) => {
          // Its late send, refused for that very reason, was logged where it was refused.
          if (wasLogged(late)) return;
          const fields = { code: 'RELAY_ERR_BOT_HANDLER_FAILED', handler: label, ...where, err: late };
          this.#failures.failed('warn', fields, 'abandoned handler failed after its timeout');
        });
      } else {
        this.stats.handled += 1;
        // Done before the timer could fire: it never yielded, and held up every bot and client meanwhile.
        const heldMs = Math.round(scope.held);
        if (heldMs > this.#timeoutMs) {
          this.#failures.failed(
            'warn',
            {
              code: 'RELAY_ERR_BOT_HANDLER_TIMEOUT',
              handler: label,
              ...where,
              ranMs: heldMs,
              timeoutMs: this.#timeoutMs,
            },
            `${label} ran ${heldMs} ms without yielding, past ${this.#timeoutMs} ms: it blocked the event loop meanwhile`,
          );
        }
      }
    } catch (error) {
      this.stats.failed += 1;
      // A send the relay refused (rate limit, too large, a loop) was logged where it was refused: one
      // line for it, not a second one as a handler failure.
      if (!wasLogged(error)) {
        const fields = { code: 'RELAY_ERR_BOT_HANDLER_FAILED', handler: label, ...where, err: error };
        this.#failures.failed('error', fields, 'handler failed');
      }
    } finally {
      clearTimeout(timer);
      this.#running.delete(controller);
    }
  }

  /** Aborts every running handler and writes the counts of open failure episodes: the bot is stopping. */
  abortAll(reason: string): void {
    for (const controller of this.#running) controller.abort(new Error(reason));
    this.#failures.close();
  }
}

const LOGGED = Symbol('relaykit.logged');

/** Marks `error` as logged already, so that the handler it rejects is not logged as failing for it. */
export function markLogged<T>(error: T): T {
  if (typeof error === 'object' && error !== null) (error as { [LOGGED]?: true })[LOGGED] = true;
  return error;
}

function wasLogged(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { [LOGGED]?: true })[LOGGED] === true;
}
