import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { createClient, ErrorReply, type RedisClientType } from 'redis';

/** A Redis client of RelayKit's, whatever modules it was made with. */
export type RedisLink = RedisClientType<Record<string, never>, Record<string, never>, Record<string, never>>;

/** What {@link RedisLinks.state} reports: readiness and how many connection errors happened so far. */
export interface RedisLinksState {
  /** Every connection (the main one and the ones duplicated from it) is connected and ready. */
  readonly ready: boolean;
  readonly connections: number;
  readonly connectionsReady: number;
  readonly errors: number;
}

// Exponential back-off with jitter, capped at 2 s, and never giving up: a node must outlive a Redis restart.
function reconnectDelay(retries: number): number {
  return Math.min(2 ** retries * 50, 2000) + Math.floor(Math.random() * 200);
}

/**
 * A connection that neither sends nor receives for this long is cut and reconnected. node-redis (5.x) can
 * leave a connection waiting forever on a reconnection: a write it scheduled while the connection was up
 * runs after the connection dropped and the queue was flushed, so the commands land on the dead socket and
 * stay in the queue of commands awaiting a reply; the next connection's handshake replies are then matched
 * to them, the handshake never completes, and the connection never becomes ready again (a node stuck
 * "3/4 Redis connections ready" after a Redis restart). Cutting an idle connection flushes that queue and
 * reconnects cleanly. It also finds a Redis host that vanished without closing the connection.
 * Workaround for the race reported upstream as https://github.com/redis/node-redis/issues/3346 (seen
 * here on 5.12.1); test/cluster/redis-links.test.ts reproduces it.
 */
const IDLE_TIMEOUT_MS = 5000;
// A ready connection pings this often, so that only a stalled connection is ever idle that long (the
// adapter's blocking stream read answers within its block time, 1 s, and a ping waits behind it).
const PING_INTERVAL_MS = 1000;
/**
 * The main connection takes every write of the node, so under traffic it is never idle and the idle cut
 * above never finds a stalled Redis (SIGSTOP, a partition): commands kept going out unanswered, acks
 * hung and their messages piled up in the node's memory. A ping of its own that waits this long for its
 * answer cuts it too: what waited is refused (RELAY_ERR_NOT_READY), and the node is not ready until
 * Redis answers again.
 */
const STALL_TIMEOUT_MS = 5000;

/**
 * The Redis connections of one relay node: a main client made from `url`, and every client duplicated
 * from it (socket.io's Redis adapter duplicates it for its blocking reads and subscriptions). They all
 * reconnect forever with back-off; an outage is logged once when it starts and once when it ends, and
 * every connection error is counted.
 *
 * @example
 * ```ts
 * const links = new RedisLinks({ url: 'redis://127.0.0.1:6379', logger });
 * await links.connect();
 * links.state.ready; // true
 * await links.close();
 * ```
 */
export class RedisLinks {
  /** The main client: publish with it, or duplicate it (duplicates are watched too). */
  readonly client: RedisLink;
  readonly #log: Logger;
  readonly #links = new Set<RedisLink>();
  readonly #errorListeners = new Set<(error: Error) => void>();
  readonly #backListeners = new Set<() => void>();
  #errors = 0;
  #down = false;
  #closing: Promise<void> | undefined;
  readonly #stallTimeoutMs: number;
  readonly #stallWatch: NodeJS.Timeout;
  #probing = false;

  constructor(options: {
    url: string;
    logger: Logger;
    connectTimeoutMs?: number;
    idleTimeoutMs?: number;
    stallTimeoutMs?: number;
  }) {
    this.#log = options.logger;
    this.#stallTimeoutMs = options.stallTimeoutMs ?? STALL_TIMEOUT_MS;
    const client = createClient({
      url: options.url,
      pingInterval: PING_INTERVAL_MS,
      socket: {
        reconnectStrategy: reconnectDelay,
        connectTimeout: options.connectTimeoutMs ?? 5000,
        socketTimeout: options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
      },
    }) as unknown as RedisLink;
    const duplicate = client.duplicate.bind(client);
    // The adapter duplicates the client for its own connections and swallows their errors; duplicating
    // through here puts those connections under the same watch (readiness, logs, error count).
    client.duplicate = ((overrides?: Parameters<typeof duplicate>[0]) => {
      const copy = duplicate(overrides) as unknown as RedisLink;
      this.#watch(copy);
      return copy;
    }) as typeof client.duplicate;
    this.client = client;
    this.#watch(client);
    this.#stallWatch = setInterval(() => this.#probeMain(), PING_INTERVAL_MS);
    this.#stallWatch.unref();
  }

  /** Connects the main client; resolves once connected (retrying while Redis is unreachable). */
  async connect(): Promise<void> {
    if (!this.client.isOpen) await this.client.connect();
  }

  /** Readiness of every connection, and the errors counted since start. */
  get state(): RedisLinksState {
    let ready = 0;
    for (const link of this.#links) if (link.isReady) ready += 1;
    const connections = this.#links.size;
    return {
      ready: this.#closing === undefined && connections > 0 && ready === connections,
      connections,
      connectionsReady: ready,
      errors: this.#errors,
    };
  }

  /** Calls `listener` on every connection error (metrics count them); returns a function that removes it. */
  onError(listener: (error: Error) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Calls `listener` each time every connection is ready again after an outage; returns its remover. */
  onBack(listener: () => void): () => void {
    this.#backListeners.add(listener);
    return () => this.#backListeners.delete(listener);
  }

  /**
   * Resolves once every connection is ready, or with `false` after `timeoutMs`. Connections that are
   * being duplicated right now count once they exist, so wait a little after creating the adapter.
   */
  async whenReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.state.ready) {
      if (Date.now() >= deadline || this.#closing) return false;
      await delay(20);
    }
    return true;
  }

  /** Closes every connection, waiting for commands already sent. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#stallWatch);
    const main = this.client;
    const copies = [...this.#links].filter((link) => link !== main);
    // The adapter's own connections hold no writes of ours; a blocking read may wait seconds: cut them.
    for (const link of copies) link.destroy();
    if (!main.isOpen) return;
    // Not connected (Redis away): nothing queued can be sent, and close() would wait for a reconnection
    // that holds no handle of its own, so the process would end in the middle of the relay's close.
    if (!main.isReady) {
      main.destroy();
      return;
    }
    // The main client may still be sending sessions persisted as sockets closed: let it finish, but a
    // Redis that is away would keep those commands queued forever, so not for long.
    const closed = main.close().then(() => 'closed' as const);
    if ((await Promise.race([closed, delay(2000, 'timeout' as const, { ref: false })])) === 'timeout') {
      this.#log.warn('Redis did not answer while closing; dropping its pending commands');
      main.destroy();
    }
  }

  // One probe at a time: a ping behind commands Redis does not answer, and the cut if it waits too long
  // (node-redis's own command timeout ends once a command is written, so it cannot tell).
  #probeMain(): void {
    const main = this.client;
    if (this.#probing || this.#closing || !main.isReady) return;
    this.#probing = true;
    const probe = { answered: false };
    // Timers run before sockets are read: after an event loop blocked for 5 s (a bot computing, a long
    // GC) the answer may be waiting unread. setImmediate runs once they were read, so it can tell.
    const stalled = setTimeout(
      () => setImmediate(() => probe.answered || this.#cutStalled(main)),
      this.#stallTimeoutMs,
    );
    stalled.unref();
    main
      .sendCommand(['PING'])
      .catch(() => {})
      .finally(() => {
        probe.answered = true;
        clearTimeout(stalled);
        this.#probing = false;
      });
  }

  #cutStalled(main: RedisLink): void {
    if (this.#closing || !main.isReady) return;
    this.#countError(new Error(`Redis did not answer a ping within ${this.#stallTimeoutMs} ms`));
    if (!this.#down) {
      this.#down = true;
      this.#log.error(
        { timeoutMs: this.#stallTimeoutMs },
        'Redis did not answer a ping: connection cut (commands waiting for it are refused); reconnecting',
      );
    }
    // destroy() rejects every command waiting for a reply, the ping too; connect() opens the client again,
    // with the same back-off as any reconnection, and it stays listed among the links.
    main.destroy();
    this.#links.add(main);
    main.connect().catch(() => {});
  }

  #countError(error: Error): void {
    this.#errors += 1;
    for (const listener of this.#errorListeners) listener(error);
  }

  #watch(link: RedisLink): void {
    this.#links.add(link);
    // The adapter disconnects its connections when socket.io closes, maybe after close() cut them:
    // a second destroy must be a no-op, not a ClientClosedError thrown inside the adapter's read loop.
    const destroy = link.destroy.bind(link);
    link.destroy = () => {
      if (link.isOpen) destroy();
    };
    link.on('error', (error: Error) => {
      this.#countError(error);
      // A reply refusing a ping (LOADING while Redis reads its data back) is not a lost connection.
      if (!this.#down && !this.#closing && !(error instanceof ErrorReply)) {
        this.#down = true;
        this.#log.error({ err: error.message }, 'Redis connection lost; reconnecting');
      }
    });
    link.on('ready', () => {
      if (this.#down && this.state.ready) {
        this.#down = false;
        this.#log.info('Redis connection back');
        for (const listener of this.#backListeners) listener();
      }
    });
    link.on('end', () => this.#links.delete(link));
  }
}
