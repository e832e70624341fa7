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
