import type { EventEmitter } from 'node:events';
import type { Response, Robot } from 'hubot';
import type { HandlerFailureLog } from '../bots/handler-failure-log.js';

/** What of a Hubot listener is reached here, beyond its declared type (Hubot's src/Listener.mjs). */
interface HubotListener {
  regex?: RegExp;
  options?: { id?: string | null };
  callback?: (this: unknown, res: Response) => unknown;
}

/** A handler of `robot.error(handler)`, kept by Hubot in `robot.errorHandlers`. */
type ErrorHandler = (error: unknown, res?: unknown) => void;

/** Where a failure happened: the room and message it was answering. */
interface Failure {
  readonly room?: string;
  readonly message?: string;
}

const CODE = 'RELAY_ERR_BOT_HANDLER_FAILED';

/**
 * Logs a failing script the relay's way, in the robot's {@link HandlerFailureLog}: one `error` line with
 * `RELAY_ERR_BOT_HANDLER_FAILED` per episode of one listener, and a count when the episode ends. Hubot
 * logs every failure twice, untyped (Listener.call, then the robot's own `error` listener): a listener
 * throwing on each message was two lines a message. Scripts' `robot.error` handlers and
 * `robot.on('error')` listeners still get every error, as under Hubot.
 *
 * @example
 * ```ts
 * const failures = new HubotFailures(robot, new HandlerFailureLog(log), (ms) => runner.noteHeld(ms));
 * failures.guard(); // before each robot.receive, for listeners added since
 * ```
 */
export class HubotFailures {
  readonly #robot: Robot;
  readonly #failures: HandlerFailureLog;
  readonly #held: (ms: number) => void;
  readonly #guarded = new WeakSet<object>();
  #unnamed = 0;
  // The listener whose error is being emitted (emit is synchronous): its episode's key.
  #failing: string | undefined;

  /** `held`: told how long each listener's callback held the event loop (HandlerRunner.noteHeld). */
  constructor(robot: Robot, failures: HandlerFailureLog, held: (ms: number) => void) {
    this.#robot = robot;
    this.#failures = failures;
    this.#held = held;
    // robot.on and robot.emit are those of robot.events. Hubot's own listener, registered first in Robot's
    // constructor, logs each error's stack before calling the robot.error handlers (invokeErrorHandlers):
    // this one takes its place.
    const { events } = robot as Robot & { events: EventEmitter };
    const [own] = events.rawListeners('error');
    if (own) events.off('error', own as (...args: unknown[]) => void);
    events.on('error', (error: unknown, res?: unknown) => this.#failed(error, res));
  }

  /**
   * Wraps the callback of each listener not wrapped yet, so that what it throws reaches the robot's
   * `error` event without Listener.call logging it first. Cheap enough to run before every message.
   */
  guard(): void {
    for (const listener of this.#robot.listeners as HubotListener[]) {
      if (this.#guarded.has(listener)) continue;
      this.#guarded.add(listener);
      const callback = listener.callback;
      if (typeof callback !== 'function') continue;
      this.#unnamed += 1;
      const key = `hubot listener ${listener.options?.id ?? listener.regex ?? `#${this.#unnamed}`}`;
      const emit = (error: unknown, res: Response) => this.#emit(key, error, res);
      const held = this.#held;
      // A function, not an arrow: Listener.call calls it as a method of the listener.
      listener.callback = async function guarded(this: unknown, res: Response) {
        try {
          // Timed here: it runs in promise jobs the handler runner's own timing cannot see.
          const startedAt = performance.now();
          let result: unknown;
          try {
            result = callback.call(this, res);
          } finally {
            held(performance.now() - startedAt);
          }
          return await result;
        } catch (error) {
          emit(error, res);
          return null;
        }
      };
    }
  }

  // What Listener.call does with a callback's error, less its log line. A script's own 'error' listener
  // that throws must not reach Listener.call either, which would log it and emit it again.
  #emit(key: string, error: unknown, res: Response): void {
    this.#failing = key;
    try {
      this.#robot.emit('error', error, res);
    } catch (thrown) {
      this.#note('hubot error listener', thrown, whereOf(res));
    } finally {
      this.#failing = undefined;
    }
  }

  // Every error of the robot: a listener's, a middleware's (Hubot emits those itself), a script's own.
  #failed(error: unknown, res: unknown): void {
    const where = whereOf(res);
    this.#note(this.#failing ?? 'hubot error event', error, where);
    const { errorHandlers = [] } = this.#robot as Robot & { errorHandlers?: ErrorHandler[] };
    for (const handler of errorHandlers) {
      try {
        handler(error, res);
      } catch (thrown) {
        this.#note('hubot error handler', thrown, where);
      }
    }
  }

  #note(key: string, error: unknown, where: Failure): void {
    this.#failures.failed('error', { code: CODE, handler: key, ...where, err: error }, 'handler failed');
  }
}

function whereOf(res: unknown): Failure {
  const message = (res as { message?: { room?: unknown; id?: unknown } } | undefined)?.message;
  return {
    ...(typeof message?.room === 'string' ? { room: message.room } : {}),
    ...(typeof message?.id === 'string' ? { message: message.id } : {}),
  };
}
