import type { RedisLink } from './redis-links.js';

// What socket.io's Redis Streams adapter sends on the client it is given (not its blocking reads, which
// have connections of their own): broadcasts and requests to the other nodes (XADD), recovery sessions
// (SET as a socket drops, and as persistSessionsEagerly writes them; MULTI GET DEL and XRANGE as one
// recovers), responses (PUBLISH), and session deletes (DEL, from persistSessionsEagerly).
const REFUSED_WHILE_DOWN = ['xAdd', 'set', 'del', 'multi', 'xRange', 'publish'] as const;
// Session writes refused while Redis was away, made once it is back (the newest per key): at most this
// many, the oldest forgotten first (those sessions then expire by themselves, or stay as they were).
const MAX_REPLAYED = 10_000;

/** What the adapter's view of the client refuses while Redis is away: it was never sent. */
export class RedisDownError extends Error {
  constructor(command: string) {
    super(`Redis is unreachable: ${command} refused rather than queued until it is back`);
    this.name = 'RedisDownError';
  }
}

/**
 * The client socket.io's adapter gets: the node's main Redis client, except that what the adapter sends
 * while that connection is not ready is refused at once ({@link RedisDownError}) instead of waiting in
 * node-redis's offline queue, which has no bound and is sent when Redis is back. Without it, every client
 * that came and went during an outage cost the node memory until then, and Redis then got stale
 * sessions, other nodes' bots stale `presence`. The refused session writes and deletes (SET, DEL) are
 * made once the client is ready again, the newest per key, so recovery sessions end up as they are now;
 * events are not. A refused command is reported to `failed` (counted, logged once an episode), and its
 * promise is handled, so that the adapter's fire-and-forget writes cannot end the process. RelayKit's
 * features use the main client itself, and check readiness before they write.
 *
 * @example
 * ```ts
 * io.adapter(createAdapter(adapterRedisClient(links.client, health.failed), options));
 * ```
 */
export function adapterRedisClient(
  client: RedisLink,
  failed: (command: string, error: Error) => void,
  options: { maxReplayed?: number } = {},
): RedisLink {
  const maxReplayed = options.maxReplayed ?? MAX_REPLAYED;
  // node-redis makes its own views of a client the same way (Object.create of `_self`): every other
  // method, `duplicate` and the readiness getters included, is the client's.
  const view = Object.create(client) as RedisLink;
  const methods = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  const replay = new Map<string, { command: 'set' | 'del'; args: unknown[] }>();
  for (const command of REFUSED_WHILE_DOWN) {
    if (typeof methods[command] !== 'function') throw new Error(`node-redis has no ${command} method`);
    Object.defineProperty(view, command, {
      value: (...args: unknown[]) => {
        // Looked up at each call: watchRedisHealth wraps some of these on the client to count failures.
        if (client.isReady) return methods[command]?.(...args);
        const error = new RedisDownError(command);
        failed(command, error);
        if ((command === 'set' || command === 'del') && typeof args[0] === 'string') {
          replay.delete(args[0]);
          replay.set(args[0], { command, args });
          if (replay.size > maxReplayed) replay.delete(replay.keys().next().value as string);
        }
        // multi() answers a transaction to fill in: refusing it is a throw, inside the adapter's async
        // restore, which socket.io takes as "no session" and connects the client fresh.
        if (command === 'multi') throw error;
        const refused = Promise.reject(error);
        refused.catch(() => {});
        return refused;
      },
    });
  }
  // Every time the connection is ready again, the first one included (a node started without Redis).
  client.on('ready', () => {
    const writes = [...replay.values()];
    replay.clear();
    for (const { command, args } of writes) {
      (view[command] as (...args: unknown[]) => Promise<unknown>)(...args).catch(() => {});
    }
  });
  return view;
}

/** What {@link steadyServerCount} changes of the adapter. */
export interface CountingAdapter {
  serverCount(): Promise<number>;
}

/**
 * Makes the adapter's count of nodes never fail: socket.io awaits it without a handler on some paths (an
 * emit that waits for acks, `serverSideEmit` with an ack), where a rejection would end the process. While
 * Redis is away the last count answers without asking it, so a request to the other nodes (members,
 * presence's check before a `leave`) times out as it would, and nothing waits in the Redis client.
 *
 * @example
 * ```ts
 * steadyServerCount(io.of('/').adapter, links.client);
 * ```
 */
export function steadyServerCount(adapter: CountingAdapter, client: Pick<RedisLink, 'isReady'>): void {
  const count = adapter.serverCount.bind(adapter);
  let last = 1;
  adapter.serverCount = () => {
    if (!client.isReady) return Promise.resolve(last);
    return count().then(
      (nodes) => {
        last = nodes;
        return nodes;
      },
      () => last,
    );
  };
}
