import type { RedisLink } from './redis-links.js';

// What socket.io's Redis Streams adapter sends on the client it is given (not its blocking reads, which
// have connections of their own): broadcasts and heartbeats (XADD), recovery sessions (SET as a socket
// drops, MULTI GET DEL and XRANGE as one recovers), responses (PUBLISH), and the node count that
// `fetchSockets` asks for first (PUBSUB NUMSUB, through sendCommand). RelayKit's own eager session
// writes go through the adapter too; their deletes (DEL) come here from persistSessionsEagerly.
const REFUSED_WHILE_DOWN = ['xAdd', 'set', 'del', 'multi', 'xRange', 'publish', 'sendCommand'] as const;

/**
 * The client socket.io's adapter gets: the node's main Redis client, except that what the adapter sends
 * while that connection is not ready is refused at once instead of waiting in node-redis's offline
 * queue, which has no bound and is sent when Redis is back. Without it, every client that came and went
 * during an outage cost the node memory until then (a session write, a presence event waiting behind
 * its `fetchSockets`), and Redis then got stale sessions and other nodes' bots stale `presence`. A
 * refused command is reported to `failed` (counted, logged once an episode); its promise is handled, so
 * that the adapter's fire-and-forget writes cannot end the process. RelayKit's features use the main
 * client itself, and check readiness before they write.
 *
 * @example
 * ```ts
 * io.adapter(createAdapter(adapterRedisClient(links.client, health.failed), options));
 * ```
 */
export function adapterRedisClient(
  client: RedisLink,
  failed: (command: string, error: Error) => void,
): RedisLink {
  // node-redis makes its own views of a client the same way (Object.create of `_self`): every other
  // method, `duplicate` and the readiness getters included, is the client's.
  const view = Object.create(client) as RedisLink;
  for (const command of REFUSED_WHILE_DOWN) {
    const send = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[command];
    if (typeof send !== 'function') throw new Error(`node-redis has no ${command} method`);
    Object.defineProperty(view, command, {
      value: (...args: unknown[]) => {
        // Looked up now, not bound once: watchRedisHealth wraps some of these on the client later.
        if (client.isReady) return (client as unknown as Record<string, typeof send>)[command]?.(...args);
        const error = new Error(
          `Redis is unreachable: ${command} refused rather than queued until it is back`,
        );
        failed(command, error);
        // multi() answers a transaction to fill in: refusing it is a throw, inside the adapter's async
        // restore, which socket.io takes as "no session" and connects the client fresh.
        if (command === 'multi') throw error;
        const refused = Promise.reject(error);
        refused.catch(() => {});
        return refused;
      },
    });
  }
  return view;
}
