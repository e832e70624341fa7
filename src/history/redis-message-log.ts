import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import type { MessageRedactedEvent } from '../relay/events.js';
import { messageIdTime as msOf } from '../relay/message-id.js';
import type { HistoryPage, HistoryQuery, LoggedMessage } from '../relay/message-log.js';
import { RelayError } from '../relay/relay-error.js';
import type { HistoryStore } from './history-store.js';
import { mergePage } from './merge-sorted.js';
import { RedisFullWatch } from './redis-full-watch.js';
import {
  CHANNEL,
  CLOCK,
  COUNTER,
  type Entry,
  EVERYONE,
  EXPIRE_KEYS,
  entry,
  FIND_KEYS,
  INDEX,
  message,
  PLACE_KEYS,
  rawEntries,
  readRange,
  STREAMS,
  streamOf,
} from './redis-history-layout.js';
import { APPEND, EXPIRE, FIND, PLACE, READ, runScript } from './redis-history-scripts.js';
import type { HistorySettings } from './sqlite-message-log.js';
import { type PendingAppend, refuseAppends, TurnBatch } from './turn-batch.js';

/** The Redis client the history uses: the cluster's main connection (it duplicates it to subscribe). */
export type HistoryRedis = Pick<
  RedisClientType<Record<string, never>, Record<string, never>, Record<string, never>>,
  'isReady' | 'sendCommand' | 'duplicate' | 'publish'
>;

const EXPIRE_SLICES_PER_TICK = 10;
// Entries read past a page when a gone cursor is placed by its millisecond (those of that ms are sorted out).
const SAME_MS_SLACK = 64;

// What nodes tell each other on CHANNEL: rooms written to, or a redaction.
type Notice = { node: string; rooms: (string | null)[] } | { node: string; redacted: MessageRedactedEvent };

/**
 * The history of every node of a cluster in Redis: one stream per room (`relaykit:history:room:<room>`,
 * relay-wide announcements in `relaykit:history:everyone`), so that a message written on one node is
 * read on all. Appends made during one event-loop turn are one Lua script (one round trip, atomic) at
 * the next turn, and their promises resolve once Redis answered: "stored" means in Redis's memory, and
 * on disk as far as the operator's Redis persistence says (AOF with `appendfsync always` loses nothing
 * Redis acknowledged; `everysec` up to a second on a crash of Redis; none: everything on its restart).
 * Each XADD trims its stream to `maxMessagesPerRoom` (exact MAXLEN); a timer trims by age (MINID).
 * Nodes tell each other what they wrote and redacted over a pub/sub channel, for their event streams.
 *
 * @example
 * ```ts
 * const log = new RedisMessageLog(links.client, { store: '', maxMessagesPerRoom: 1000, maxAgeMs: 2_592_000_000 });
 * relay.logWith(log);
 * ```
 */
export class RedisMessageLog implements HistoryStore {
  readonly #redis: HistoryRedis;
  readonly #settings: HistorySettings;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  readonly #node = randomUUID();
  readonly #subscriber: ReturnType<HistoryRedis['duplicate']>;
  readonly #timer: NodeJS.Timeout;
  readonly #appendedListeners = new Set<(rooms: ReadonlySet<string | null>) => void>();
  readonly #redactedListeners = new Set<(event: MessageRedactedEvent) => void>();
  readonly #batch = new TurnBatch((batch) => this.#commit(batch));
  readonly #full: RedisFullWatch;
  // Where the age trim's scan of the room streams goes on at the next tick (SSCAN; 0: a new pass).
  #expireCursor = '0';
  #closed = false;
  appended = 0;
  refused = 0;

  constructor(
    redis: HistoryRedis,
    settings: HistorySettings,
    options: { logger?: Logger; now?: () => number } = {},
  ) {
    this.#redis = redis;
    this.#settings = settings;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#full = new RedisFullWatch(redis, options.logger);
    // The subscriber is a duplicate of the cluster's client, so the cluster's watch covers it too.
    this.#subscriber = redis.duplicate();
    this.#subscriber.on('error', () => {});
    this.#subscriber
      .connect()
      .then(async () => {
        if (this.#closed) this.#stopFollowing();
        else await this.#subscriber.subscribe(CHANNEL, (text) => this.#heard(text));
      })
      .catch((error: unknown) => {
        if (!this.#closed) this.#log?.error({ err: error }, 'history cannot follow the other nodes');
      });
    this.#timer = setInterval(() => void this.trimExpired(), Math.min(settings.maxAgeMs, 60_000));
    this.#timer.unref();
  }

  assertWritable(): void {
    if (this.#closed) throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the relay is shutting down');
    if (!this.#redis.isReady) throw this.#unavailable('Redis is unreachable');
    if (this.#full.full) throw this.#full.refusal();
  }

  append(entries: readonly LoggedMessage[]): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the relay is shutting down'));
    }
    return this.#batch.add(entries);
  }

  async read(query: HistoryQuery): Promise<HistoryPage> {
    this.#assertReadable();
    const { limit } = query;
    const since = this.#now() - this.#settings.maxAgeMs;
    const keys = [streamOf(query.room), EVERYONE];
    const cursor = query.after ?? query.before;
    // A cursor is the entry of its message (kept, or redacted since); one trimmed is placed by its id's time.
    const at = cursor === undefined ? undefined : await this.#entryOf(cursor);
    const ms = cursor === undefined ? 0 : msOf(cursor);
    // Placed by time, a cursor's own millisecond is read too, and sorted out by message id below.
    const count = String(limit + 1 + (cursor !== undefined && at === undefined ? SAME_MS_SLACK : 0));
    const range = readRange(query, at, ms, since);
    const reply = await this.#run(() => runScript(this.#redis, READ, keys, [...range, count]));
    const replies = Array.isArray(reply) ? reply.map(rawEntries) : [];
    const placed = (e: Entry) =>
      at !== undefined ||
      cursor === undefined ||
      e.ms !== ms ||
      (query.after !== undefined ? e.id > cursor : e.id < cursor);
    const lists = keys.map((_, index) =>
      (replies[index] ?? []).map(entry).filter((e) => e.ms >= since && placed(e)),
    );
    const { rows, more } = mergePage(lists[0] ?? [], lists[1] ?? [], limit, query.after !== undefined);
    return { messages: rows.map(message), more };
  }

  async get(id: string): Promise<LoggedMessage | undefined> {
    this.#assertReadable();
    const found = await this.#find(id, false);
    if (found === undefined) return undefined;
    const stored = Number(found.entry.slice(0, found.entry.indexOf('-')));
    return stored < this.#now() - this.#settings.maxAgeMs
      ? undefined
      : (JSON.parse(found.json) as LoggedMessage);
  }

  async redact(id: string): Promise<{ room: string | null } | undefined> {
    this.#assertReadable();
    // Not one past maxAgeMs that the trim has not deleted yet: that one is already gone for readers.
    if ((await this.get(id)) === undefined) return undefined;
    const found = await this.#find(id, true);
    if (found === undefined) return undefined;
    const { room } = (JSON.parse(found.json) as LoggedMessage).meta;
    const notice: Notice = { node: this.#node, redacted: { id, room } };
    await this.#redis.publish(CHANNEL, JSON.stringify(notice)).catch(() => {});
    return { room };
  }

  /** Deletes messages past `maxAgeMs` from every room's stream, in slices; answers once done. */
  async trimExpired(): Promise<void> {
    if (this.#closed || !this.#redis.isReady) return;
    const before = `${this.#now() - this.#settings.maxAgeMs}-0`;
    try {
      // The scan goes on where the last tick left it: starting over each time, rooms that still hold
      // young messages (never emptied, never removed from the set) would be all a tick ever reached.
      for (let slice = 0; slice < EXPIRE_SLICES_PER_TICK; slice += 1) {
        this.#expireCursor = String(
          await runScript(this.#redis, EXPIRE, EXPIRE_KEYS, [this.#expireCursor, before]),
        );
        if (this.#expireCursor === '0') break;
      }
    } catch {
      // Redis away: /readyz and the appends say so; expired entries are never read anyway.
    }
  }

  health(): { ok: boolean; detail?: string } {
    if (this.#closed) return { ok: true };
    if (!this.#redis.isReady) {
      return { ok: false, detail: 'Redis is unreachable: the history cannot keep messages' };
    }
    return this.#full.full ? { ok: false, detail: this.#full.detail } : { ok: true };
  }

  onAppended(listener: (rooms: ReadonlySet<string | null>) => void): () => void {
    this.#appendedListeners.add(listener);
    return () => this.#appendedListeners.delete(listener);
  }

  onRedactedElsewhere(listener: (event: MessageRedactedEvent) => void): () => void {
    this.#redactedListeners.add(listener);
    return () => this.#redactedListeners.delete(listener);
  }

  /** Sends what is pending, stops following the other nodes; later appends are refused. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const last = this.#batch.flush();
    this.#closed = true;
    clearInterval(this.#timer);
    this.#full.close();
    await last;
    this.#stopFollowing();
  }

  #stopFollowing(): void {
    if (this.#subscriber.isOpen) this.#subscriber.destroy();
  }

  async #commit(batch: readonly PendingAppend[]): Promise<void> {
    const keys = [STREAMS, INDEX, COUNTER, CLOCK];
    const args = [String(this.#settings.maxMessagesPerRoom), CHANNEL, ''];
    const rooms = new Set<string | null>();
    for (const { entries } of batch) {
      for (const { content, meta } of entries) {
        keys.push(streamOf(meta.room));
        args.push(meta.id, JSON.stringify({ content, meta }));
        rooms.add(meta.room);
      }
    }
    // Appends with nothing to keep (private messages, kept in order with the others) need no Redis.
    if (rooms.size === 0) {
      for (const pending of batch) pending.resolve();
      return;
    }
    const notice: Notice = { node: this.#node, rooms: [...rooms] };
    args[2] = JSON.stringify(notice);
    try {
      await this.#run(() => runScript(this.#redis, APPEND, keys, args, true));
    } catch (error) {
      this.refused += refuseAppends(batch, error);
      return;
    }
    this.#full.wrote();
    for (const pending of batch) {
      this.appended += pending.entries.length;
      pending.resolve();
    }
    for (const listener of this.#appendedListeners) listener(rooms);
  }

  // The entry id and JSON of message `id`, deleting it with `remove`.
  async #find(id: string, remove: boolean): Promise<{ entry: string; json: string } | undefined> {
    const found = await this.#run(() => runScript(this.#redis, FIND, FIND_KEYS, [id, remove ? '1' : '0']));
    if (!Array.isArray(found)) return undefined;
    return { entry: String(found[0]), json: String(found[1]) };
  }

  // The entry id of message `id` while it is kept, and after it was redacted.
  async #entryOf(id: string): Promise<string | undefined> {
    const where: unknown = await this.#run(() => runScript(this.#redis, PLACE, PLACE_KEYS, [id]));
    return typeof where === 'string' ? where : undefined;
  }

  // What Redis refused or could not answer is refused as the cluster refuses it: its Redis is away.
  async #run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (this.#full.noted(error)) throw this.#full.refusal(error);
      throw this.#unavailable(`Redis did not answer (${(error as Error).message})`, error);
    }
  }

  #assertReadable(): void {
    if (!this.#redis.isReady) throw this.#unavailable('Redis is unreachable');
  }

  #unavailable(problem: string, cause?: unknown): RelayError {
    const text = `history in Redis: ${problem}; nothing was kept or delivered`;
    return new RelayError('RELAY_ERR_NOT_READY', text, { cause });
  }

  #heard(text: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(text) as Notice;
    } catch {
      return;
    }
    if (notice.node === this.#node) return;
    if ('rooms' in notice) {
      const rooms = new Set(notice.rooms);
      for (const listener of this.#appendedListeners) listener(rooms);
    } else {
      for (const listener of this.#redactedListeners) listener(notice.redacted);
    }
  }
}
