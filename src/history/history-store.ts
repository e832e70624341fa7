import type { MessageRedactedEvent } from '../relay/events.js';
import type { LoggedMessage, MessageLog } from '../relay/message-log.js';

/**
 * What the history feature needs of a store beyond the core's {@link MessageLog}: look-ups by id,
 * redaction, health for `/readyz`, counters for metrics, and a way to follow what gets appended. The
 * SQLite log (one node) and the Redis log (every node of a cluster) both are one.
 */
export interface HistoryStore extends MessageLog {
  /** Messages kept since the store opened (by this node). */
  readonly appended: number;
  /** Appends refused because the store could not keep them. */
  readonly refused: number;
  /** The kept message with id `id`, if any. */
  get(id: string): Promise<LoggedMessage | undefined> | LoggedMessage | undefined;
  /**
   * Deletes the message `id`; answers its room (`null`: a relay-wide announcement), or `undefined` when
   * it is not kept. Throws `RELAY_ERR_STORE_UNAVAILABLE` when the store cannot be written.
   */
  redact(id: string): Promise<{ room: string | null } | undefined> | { room: string | null } | undefined;
  /** Whether a write would last now: `ok: false`, with why, while the store cannot be written. */
  health(): { ok: boolean; detail?: string };
  /**
   * Calls `listener` after each commit with the rooms it wrote to (`null`: relay-wide), this node's and,
   * for a shared store, every node's; returns the function that stops it.
   */
  onAppended(listener: (rooms: ReadonlySet<string | null>) => void): () => void;
  /**
   * For a store shared by several nodes: calls `listener` when another node redacted a message, so that
   * this node's event streams tell their readers. Returns the function that stops it.
   */
  onRedactedElsewhere?(listener: (event: MessageRedactedEvent) => void): () => void;
  /** Writes what is pending, then releases the store; later appends are refused. Idempotent. */
  close(): void | Promise<void>;
}
