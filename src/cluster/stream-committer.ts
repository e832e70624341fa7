import type { Logger } from 'pino';
import { isRedisFull, REDIS_FULL } from '../history/redis-full-watch.js';
import type { PublishCommitter } from '../relay/publish-committer.js';
import { RelayError } from '../relay/relay-error.js';
import { RedisDownError } from './adapter-redis-client.js';
import type { RedisLink } from './redis-links.js';
import {
  BROADCAST,
  type BroadcastOptions,
  type OrderedAdapter,
  type Packet,
  StreamOrder,
} from './stream-order.js';

interface BroadcastMessage {
  uid?: string;
  nsp?: string;
  type: number;
  data: { packet: Packet; opts: { rooms: string[]; except: string[]; flags?: Record<string, unknown> } };
}

/**
 * What the committer uses of `@socket.io/redis-streams-adapter`'s adapter (a socket.io `ClusterAdapter`):
 * its `broadcast` (which it replaces), how it appends one message to the stream and encodes it, and how
 * it marks a packet with its stream offset for connection state recovery.
 */
export interface StreamsAdapter extends OrderedAdapter {
  readonly nsp: { readonly name: string };
  broadcast(packet: Packet, opts: BroadcastOptions): unknown;
  publishAndReturnOffset(message: BroadcastMessage): Promise<string>;
  encode(message: BroadcastMessage): Record<string, string>;
}

/**
 * Makes what the relay publishes wait for Redis: the ack (or 202) of a message means it is in the
 * stream every node reads, and this node's clients have it. The adapter's own `broadcast` appends to the
 * stream, then delivers to this node's clients whether the append worked or not, and only notes a failure
 * in its debug output: a message Redis never got reached this node only, and its sender was told it was
 * sent. Within a commit, the committer takes the adapter's place: it appends the broadcasts `emit` made
 * (a batch in one `MULTI`, so all or none), or rejects with `RELAY_ERR_NOT_READY`; then no client got
 * them, unless Redis took them and only its answer was lost (every node's reader then delivers them).
 * This node's clients get its broadcasts, presence and a socket's own events included, where the stream
 * has them ({@link StreamOrder}). While the client is not ready, publishes are refused at once. `close`
 * settles what still waits for the reader, once the sockets are closed.
 *
 * @example
 * ```ts
 * server.relay.commitWith(streamCommitter(server.io.of('/').adapter, links.client, { stream, maxLen, log }));
 * ```
 */
export function streamCommitter(
  adapter: StreamsAdapter,
  client: RedisLink,
  options: { stream: string; maxLen: number; log: Logger; onFailure?: (error: unknown) => void },
): PublishCommitter & { close(): void } {
  const adapterBroadcast = adapter.broadcast.bind(adapter);
  // The adapter's broadcast with the `local` flag delivers to this node's clients only, synchronously.
  const deliverHere = (packet: Packet, opts: BroadcastOptions) =>
    adapterBroadcast(packet, { ...opts, flags: { ...opts.flags, local: true } });
  const order = new StreamOrder(adapter, deliverHere, options.log);
  let taking: Array<[Packet, BroadcastOptions]> | undefined;
  adapter.broadcast = (packet, opts) => {
    if (opts.flags?.local) return adapterBroadcast(packet, opts);
    if (taking !== undefined) {
      taking.push([packet, order.mark(opts)]);
      return undefined;
    }
    // Outside a publish (presence, a socket's own events): as the adapter does, delivered here even when
    // Redis did not take it, at the deadline, unless the reader finds that it did.
    const marked = order.mark(opts);
    return adapter.publishAndReturnOffset(broadcastMessage(packet, marked)).then(
      (offset) => order.delivered(marked, packet, offset),
      // Never sent (Redis is away): no reader will find it, so there is nothing to wait for.
      (error: unknown) =>
        error instanceof RedisDownError ? deliverHere(packet, marked) : order.delivered(marked, packet),
    );
  };

  // On the node's client itself, as one transaction: a message the relay accepted while Redis was up
  // waits for a reconnection rather than being refused as the adapter's own writes are.
  const append = (taken: ReadonlyArray<[Packet, BroadcastOptions]>): Promise<string[]> => {
    const messages = taken.map(([packet, opts]) => broadcastMessage(packet, opts));
    const transaction = client.multi();
    for (const message of messages) {
      message.uid = adapter.uid;
      message.nsp = adapter.nsp.name;
      transaction.xAdd(options.stream, '*', adapter.encode(message), {
        TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: options.maxLen },
      });
    }
    return transaction.exec() as unknown as Promise<string[]>;
  };

  return {
    close: () => order.close(),
    assertReady() {
      if (!client.isReady) {
        throw new RelayError(
          'RELAY_ERR_NOT_READY',
          'Redis is unreachable, so the message cannot reach the other nodes',
        );
      }
    },
    commit(emit) {
      const taken: Array<[Packet, BroadcastOptions]> = [];
      taking = taken;
      try {
        emit();
      } finally {
        taking = undefined;
      }
      if (taken.length === 0) return Promise.resolve();
      return append(taken).then(
        async (offsets) => {
          await Promise.all(
            taken.map(([packet, opts], index) => order.delivered(opts, packet, offsets[index])),
          );
        },
        (error: unknown) => {
          for (const [, opts] of taken) order.abandon(opts);
          options.onFailure?.(error);
          const what = taken.length === 1 ? 'the message' : `the ${taken.length} messages`;
          const reason = error instanceof Error ? error.message : String(error);
          // No retry helps a full Redis until it has room.
          if (isRedisFull(error)) {
            const full = `${REDIS_FULL}, so ${what} reached nobody; free memory there or raise its maxmemory`;
            throw new RelayError('RELAY_ERR_STORE_UNAVAILABLE', full, { cause: error });
          }
          throw new RelayError('RELAY_ERR_NOT_READY', `Redis did not confirm ${what} (${reason})`, {
            cause: error,
          });
        },
      );
    },
  };
}

// socket.io-adapter's broadcast message: options as arrays, so that they survive the trip as JSON.
function broadcastMessage(packet: Packet, opts: BroadcastOptions): BroadcastMessage {
  return {
    type: BROADCAST,
    data: { packet, opts: { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags } },
  };
}
