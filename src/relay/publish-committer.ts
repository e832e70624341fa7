/**
 * Where a relay commits what it publishes beyond its own process, plugged in with
 * `Relay.commitWith` by a feature that carries messages to other processes (cluster mode commits them
 * to the Redis stream every node reads). Without one, a message is delivered when `publish` returns and
 * nothing is awaited.
 *
 * @example
 * ```ts
 * server.relay.commitWith({
 *   assertReady() {
 *     if (!redis.isReady) throw new RelayError('RELAY_ERR_NOT_READY', 'Redis is unreachable');
 *   },
 *   commit: (emit) => appendEverythingEmittedDuring(emit),
 * });
 * ```
 */
export interface PublishCommitter {
  /**
   * Throws a `RelayError` (`RELAY_ERR_NOT_READY`) when nothing can be committed now, so that the
   * message is refused before it gets an id; called once per message, before it is emitted.
   */
  assertReady(): void;
  /**
   * Calls `emit`, which hands one message or a batch to socket.io, and resolves once all of it is
   * committed; rejects with a `RelayError` when it is not known to be, and then none of it reached this
   * relay's clients unless it was committed after all (cluster mode: Redis took it and its answer was
   * lost, so every node delivers it). Throws what `emit` throws.
   */
  commit(emit: () => void): Promise<void>;
}
