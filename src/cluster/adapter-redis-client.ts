import type { RedisLink } from './redis-links.js';

// What socket.io's Redis Streams adapter sends on the client it is given (not its blocking reads, which
// have connections of their own): broadcasts and requests to the other nodes (XADD), recovery sessions
// (SET as a socket drops, and as persistSessionsEagerly writes them; MULTI GET DEL and XRANGE as one
// recovers), responses (PUBLISH), and session deletes (DEL, from persistSessionsEagerly).
const REFUSED_WHILE_DOWN = ['xAdd', 'set', 'del', 'multi', 'xRange', 'publish'] as const;
// Session writes refused while Redis was away, made once it is back (the newest per key): at most this
// many, the oldest forgotten first (those sessions then expire by themselves, or stay as they were).
const MAX_REPLAYED = 10_000;
// A replayed write that Redis answered with an error (still loading its data after a restart) is tried
// again this much later, up to this many times; a SET never past what was left of its expiry.
const RETRY_MS = 1000;
const MAX_TRIES = 30;

// A refused SET or DEL of a session key, with when it was refused.
interface Refused {
  readonly command: 'set' | 'del';
  readonly args: readonly unknown[];
  readonly at: number;
  tries: number;
  // Set when the adapter writes the key again while this replay is on its way: a retry would undo that.
  superseded?: boolean;
}

// A SET's arguments with its expiry (the adapter's `{ PX }`) shortened by the time it waited: a session
// kept for its recovery window from when the socket dropped, not from when Redis came back. Undefined
// once nothing is left of it.
function withTimeLeft(refused: Refused, now: number): readonly unknown[] | undefined {
  const [key, value, options] = refused.args;
  const px = (options as { PX?: unknown } | undefined)?.PX;
  if (refused.command !== 'set' || typeof px !== 'number') return refused.args;
  const left = px - (now - refused.at);
  return left > 0 ? [key, value, { ...(options as object), PX: Math.ceil(left) }] : undefined;
}

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
 * made once the client is ready again, the newest per key and a SET with what is left of its expiry, so
 * recovery sessions end up as they are now (one Redis refuses, still loading its data, is tried again
 * each second for a while; a newer write of the key cancels it); events are not. A refused command is reported to `failed` (counted, logged once an episode), and its
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
  const replay = new Map<string, Refused>();
  // Replays sent and not answered yet, by key (at most one per key, as many as were waiting).
  const sending = new Map<string, Refused>();
  const remember = (key: string, refused: Refused) => {
    replay.delete(key);
    replay.set(key, refused);
    if (replay.size > maxReplayed) replay.delete(replay.keys().next().value as string);
  };
  let retry: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    const waiting = [...replay];
    replay.clear();
    for (const [key, refused] of waiting) resend(key, refused);
  };
  const resend = (key: string, refused: Refused) => {
    const args = withTimeLeft(refused, Date.now());
    if (args === undefined) return;
    // Away again: kept as it was, unless the adapter wrote that key since.
    if (!client.isReady) {
      if (!replay.has(key)) remember(key, refused);
      return;
    }
    sending.set(key, refused);
    const settled = () => {
      if (sending.get(key) === refused) sending.delete(key);
    };
    // Called on the client, as node-redis's commands need their `this`; a command that throws (inside the
    // client's 'ready' event) fails like one Redis refused.
    let sent: Promise<unknown>;
    try {
      sent = methods[refused.command]?.(...args) as Promise<unknown>;
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(settled, () => {
      settled();
      refused.tries += 1;
      if (refused.superseded || refused.tries >= MAX_TRIES || replay.has(key)) return;
      remember(key, refused);
      retry ??= setTimeout(() => {
        retry = undefined;
        if (client.isReady) flush();
      }, RETRY_MS);
      retry.unref?.();
    });
  };
  for (const command of REFUSED_WHILE_DOWN) {
    if (typeof methods[command] !== 'function') throw new Error(`node-redis has no ${command} method`);
    const sessionWrite = command === 'set' || command === 'del';
    Object.defineProperty(view, command, {
      value: (...args: unknown[]) => {
        const key = sessionWrite && typeof args[0] === 'string' ? args[0] : undefined;
        // Looked up at each call: watchRedisHealth wraps some of these on the client to count failures.
        if (client.isReady) {
          // This write is newer than any of that key still waiting to be made again, or on its way.
          if (key !== undefined) {
            replay.delete(key);
            const inFlight = sending.get(key);
            if (inFlight) inFlight.superseded = true;
          }
          return methods[command]?.(...args);
        }
        const error = new RedisDownError(command);
        failed(command, error);
        if (key !== undefined)
          remember(key, { command: command as Refused['command'], args, at: Date.now(), tries: 0 });
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
  client.on('ready', flush);
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
