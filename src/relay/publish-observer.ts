import type { Logger } from 'pino';
import type { MessageContent, MessageMeta, Sender } from './events.js';
import type { RelayError } from './relay-error.js';

/** Observers of the publish path: metrics, logs, tests. */
export interface PublishObserver {
  /**
   * A message is out. `elapsedMs`: from the call to `publish`/`publishBatch` until it was delivered to
   * the adapter (in cluster mode: until its commit settled).
   */
  published?(meta: MessageMeta, content: MessageContent, elapsedMs: number): void;
  rejected?(error: RelayError, from: Sender): void;
}

/**
 * The observers of one relay, told in turn: one that throws (metrics, a user's hook) is logged and
 * skipped, and the others still run, so that nothing an observer does can turn a message that is out
 * into an error.
 *
 * @example
 * ```ts
 * const observers = new PublishObservers(logger);
 * const stop = observers.add({ rejected: (error) => count(error.code) });
 * observers.rejected(error, from);
 * ```
 */
export class PublishObservers {
  readonly #log: Logger;
  readonly #observers = new Set<PublishObserver>();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Adds `observer`; returns a function that removes it. */
  add(observer: PublishObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  published(meta: MessageMeta, content: MessageContent, elapsedMs: number): void {
    for (const observer of this.#observers) {
      this.#notify(observer, 'published', () => observer.published?.(meta, content, elapsedMs));
    }
  }

  rejected(error: RelayError, from: Sender): void {
    for (const observer of this.#observers) {
      this.#notify(observer, 'rejected', () => observer.rejected?.(error, from));
    }
  }

  #notify(observer: PublishObserver, event: 'published' | 'rejected', call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#log.error({ err: error, event, observer: observer.constructor?.name }, 'publish observer failed');
    }
  }
}
