import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/**
 * Calls each listener of `event` as `emit()` would (once() listeners included), logging a listener that
 * throws instead of letting it stop the others and fail the caller: a user's listener must not fail a
 * change already made, nor turn a background run into an unhandled rejection.
 *
 * @example
 * ```ts
 * emitSafely(scheduler, log, 'run', run);
 * ```
 */
export function emitSafely<Events extends Record<keyof Events, unknown[]>, E extends keyof Events & string>(
  emitter: EventEmitter<Events>,
  log: Logger,
  event: E,
  ...args: Events[E]
): void {
  // rawListeners: a once() wrapper removes itself when called, as with emit().
  const listeners = (emitter as unknown as EventEmitter).rawListeners(event);
  for (const listener of listeners) {
    try {
      (listener as (...values: Events[E]) => unknown).apply(emitter, args);
    } catch (error) {
      log.error({ err: error, event }, 'an event listener threw');
    }
  }
}
