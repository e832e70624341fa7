import type { MessageContent, MessageMeta } from './events.js';

/** A message as the history keeps it and gives it back: what `sendMessageFromBack` carried. */
export interface LoggedMessage {
  readonly content: MessageContent;
  readonly meta: MessageMeta;
}

/**
 * What a history read asks for, checked (see `checkHistoryQuery`): a room's messages (relay-wide
 * announcements included) before or after a message id, at most `limit` of them.
 */
export interface HistoryQuery {
  readonly room: string;
  readonly before?: string;
  readonly after?: string;
  readonly limit: number;
}

/**
 * A page of history, oldest first. `more`: there are further messages in the direction read (older
 * ones for a read without `after`, newer ones for a read with `after`).
 */
export interface HistoryPage {
  readonly messages: readonly LoggedMessage[];
  readonly more: boolean;
}

/** Reads a relay's history; given to the core with `Relay.logWith`, so that sockets can read it. */
export interface HistoryReader {
  /** Throws a `RelayError` (`RELAY_ERR_INVALID_CURSOR` for a cursor it does not know how to place). */
  read(query: HistoryQuery): Promise<HistoryPage> | HistoryPage;
}

/**
 * Where a relay keeps what it publishes, plugged in with `Relay.logWith` by the history feature. With
 * one, a message is delivered and acknowledged only once `append` resolved: an ack means stored.
 *
 * @example
 * ```ts
 * server.relay.logWith(SqliteMessageLog.open('.relaykit/history.db', settings));
 * ```
 */
export interface MessageLog extends HistoryReader {
  /**
   * Throws a `RelayError` (`RELAY_ERR_STORE_UNAVAILABLE`) when the log cannot keep a message now, so
   * that the message is refused before it gets an id. Called once per message: it must be cheap.
   */
  assertWritable(): void;
  /**
   * Keeps `messages` (in order, all or none) and resolves once they are durable; rejects with a
   * `RelayError` when they are not. Appends of one event-loop turn may share one write.
   */
  append(messages: readonly LoggedMessage[]): Promise<void>;
}
