import type Database from 'better-sqlite3';
import { RelayError } from '../relay/relay-error.js';
import { openSqliteStore } from '../sqlite/open-sqlite-store.js';
import type { WebhookEndpointSpec } from './webhook-endpoint.js';

/** A delivery as the queue keeps it: the exact body and id every attempt sends, and where it stands. */
export interface StoredDelivery {
  /** The `webhook-id`, the same on every attempt so that receivers can deduplicate. */
  readonly id: string;
  readonly endpointId: string;
  readonly body: string;
  readonly messageId: string;
  readonly room: string | null;
  readonly hops: number;
  readonly attempts: number;
  /** Epoch ms of the next attempt. */
  readonly nextAt: number;
  readonly state: 'pending' | 'sending' | 'dead';
  readonly lastError: string | null;
  readonly createdAt: string;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  body: string;
  message_id: string;
  room: string | null;
  hops: number;
  attempts: number;
  next_at: number;
  state: 'pending' | 'sending' | 'dead';
  last_error: string | null;
  created_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS endpoints (
  id TEXT PRIMARY KEY, spec TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, body TEXT NOT NULL, message_id TEXT NOT NULL,
  room TEXT, hops INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending', last_error TEXT, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (endpoint_id, state, next_at);
`;

/**
 * The webhooks' durable store (better-sqlite3): the endpoints added over the API, and the delivery queue.
 * A delivery is written before its first attempt and deleted once an attempt is answered with a 2xx; a
 * relay that stops mid-attempt finds it `sending` at the next start and sends it again, with the same
 * `webhook-id` (at-least-once). WAL with `synchronous = NORMAL`: a process crash loses nothing, a power
 * loss may lose the last deliveries queued. `:memory:` keeps nothing.
 */
export class WebhookStore {
  readonly #db: Database.Database;
  #closed = false;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating it and its folder) the store at `file`; throws `RELAY_ERR_WEBHOOK_STORE`. */
  static open(file: string): WebhookStore {
    return openSqliteStore(file, {
      synchronous: 'NORMAL',
      prepare: (db) => {
        db.exec(SCHEMA);
        // Attempts cut short by the previous run's stop: their outcome is unknown, so they go again.
        db.prepare("UPDATE deliveries SET state = 'pending' WHERE state = 'sending'").run();
        return new WebhookStore(db);
      },
      fail: (resolved, error) =>
        new RelayError(
          'RELAY_ERR_WEBHOOK_STORE',
          `cannot open the webhook store ${resolved}: ${error.message}`,
          {
            cause: error,
          },
        ),
    });
  }

  listEndpoints(): { spec: unknown; createdAt: string }[] {
    const rows = this.#db.prepare('SELECT spec, created_at FROM endpoints ORDER BY created_at, id').all() as {
      spec: string;
      created_at: string;
    }[];
    // A row that is not JSON (an edited file) is passed on as null: the registry's check skips it.
    return rows.map((row) => {
      let spec: unknown = null;
      try {
        spec = JSON.parse(row.spec);
      } catch {}
      return { spec, createdAt: row.created_at };
    });
  }

  /** Keeps an endpoint, replacing one with the same id. */
  addEndpoint(spec: WebhookEndpointSpec, createdAt: string): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO endpoints (id, spec, created_at) VALUES (?, ?, ?)')
      .run(spec.id, JSON.stringify(spec), createdAt);
  }

  /** Removes an endpoint and its queued and dead deliveries. */
  removeEndpoint(id: string): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM endpoints WHERE id = ?').run(id);
      this.#db.prepare('DELETE FROM deliveries WHERE endpoint_id = ?').run(id);
    })();
  }

  /**
   * Removes the deliveries, queued and dead, of every endpoint not in `known` (one removed from the
   * config file, or deleted on another node while this one was down): no attempt would ever take them.
   * Returns how many went, by endpoint.
   */
  dropDeliveriesExcept(known: ReadonlySet<string>): Map<string, number> {
    return this.#db.transaction(() => {
      const rows = this.#db
        .prepare('SELECT endpoint_id AS id, COUNT(*) AS n FROM deliveries GROUP BY endpoint_id')
        .all() as { id: string; n: number }[];
      const dropped = new Map<string, number>();
      const remove = this.#db.prepare('DELETE FROM deliveries WHERE endpoint_id = ?');
      for (const { id, n } of rows) {
        if (known.has(id)) continue;
        remove.run(id);
        dropped.set(id, n);
      }
      return dropped;
    })();
  }

  enqueue(
    delivery: Pick<
      StoredDelivery,
      'id' | 'endpointId' | 'body' | 'messageId' | 'room' | 'hops' | 'nextAt' | 'createdAt'
    >,
  ): void {
    this.#db
      .prepare(
        'INSERT INTO deliveries (id, endpoint_id, body, message_id, room, hops, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        delivery.id,
        delivery.endpointId,
        delivery.body,
        delivery.messageId,
        delivery.room,
        delivery.hops,
        delivery.nextAt,
        delivery.createdAt,
      );
  }

  /** Counts by endpoint and state, for the queue-depth gauge. */
  depths(): { endpointId: string; state: string; count: number }[] {
    return (
      this.#db
        .prepare('SELECT endpoint_id, state, COUNT(*) AS n FROM deliveries GROUP BY endpoint_id, state')
        .all() as {
        endpoint_id: string;
        state: string;
        n: number;
      }[]
    ).map((row) => ({ endpointId: row.endpoint_id, state: row.state, count: row.n }));
  }

  /** Counts of one endpoint's deliveries by state, read down its part of the index. */
  depthsOf(endpointId: string): Map<string, number> {
    const rows = this.#db
      .prepare('SELECT state, COUNT(*) AS n FROM deliveries WHERE endpoint_id = ? GROUP BY state')
      .all(endpointId) as { state: string; n: number }[];
    return new Map(rows.map((row) => [row.state, row.n]));
  }

  /** Takes up to `limit` due deliveries of `endpointId`, oldest first, marking them `sending`. */
  takeDue(endpointId: string, now: number, limit: number): StoredDelivery[] {
    return this.#db.transaction(() => {
      const rows = this.#db
        .prepare(
          "SELECT * FROM deliveries WHERE endpoint_id = ? AND state = 'pending' AND next_at <= ? ORDER BY next_at, created_at LIMIT ?",
        )
        .all(endpointId, now, limit) as DeliveryRow[];
      const mark = this.#db.prepare("UPDATE deliveries SET state = 'sending' WHERE id = ?");
      for (const row of rows) mark.run(row.id);
      return rows.map(fromRow);
    })();
  }

  /**
   * The earliest next attempt of an endpoint's pending deliveries, epoch ms: one step down the
   * (endpoint_id, state, next_at) index, whatever the queue holds.
   */
  nextDueAt(endpointId: string): number | undefined {
    const row = this.#db
      .prepare("SELECT MIN(next_at) AS at FROM deliveries WHERE endpoint_id = ? AND state = 'pending'")
      .get(endpointId) as { at: number | null };
    return row.at ?? undefined;
  }

  delivered(id: string): void {
    this.#db.prepare('DELETE FROM deliveries WHERE id = ?').run(id);
  }

  /**
   * Records a failed attempt: due again at `nextAt`, or dead when `nextAt` is undefined, and then only the
   * newest `maxDead` dead letters of its endpoint stay; answers how many older ones were deleted.
   */
  failed(id: string, error: string, nextAt: number | undefined, maxDead = Number.MAX_SAFE_INTEGER): number {
    return this.#db.transaction(() => {
      this.#db
        .prepare(
          'UPDATE deliveries SET attempts = attempts + 1, last_error = ?, state = ?, next_at = ? WHERE id = ?',
        )
        .run(error, nextAt === undefined ? 'dead' : 'pending', nextAt ?? 0, id);
      if (nextAt !== undefined) return 0;
      return this.#db
        .prepare(
          `DELETE FROM deliveries WHERE id IN (
             SELECT id FROM deliveries
             WHERE state = 'dead' AND endpoint_id = (SELECT endpoint_id FROM deliveries WHERE id = ?)
             ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)`,
        )
        .run(id, maxDead).changes;
    })();
  }

  /** Puts a `sending` delivery back without counting an attempt (the relay stopped during it). */
  release(id: string): void {
    this.#db.prepare("UPDATE deliveries SET state = 'pending' WHERE id = ? AND state = 'sending'").run(id);
  }

  deadLetters(endpointId: string, limit: number): StoredDelivery[] {
    return (
      this.#db
        .prepare(
          "SELECT * FROM deliveries WHERE endpoint_id = ? AND state = 'dead' ORDER BY created_at LIMIT ?",
        )
        .all(endpointId, limit) as DeliveryRow[]
    ).map(fromRow);
  }

  /** Queues the dead deliveries of `endpointId` again, with their attempts reset; returns how many. */
  replay(endpointId: string, now: number): number {
    return this.#db
      .prepare(
        "UPDATE deliveries SET state = 'pending', attempts = 0, next_at = ? WHERE endpoint_id = ? AND state = 'dead'",
      )
      .run(now, endpointId).changes;
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function fromRow(row: DeliveryRow): StoredDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    body: row.body,
    messageId: row.message_id,
    room: row.room,
    hops: row.hops,
    attempts: row.attempts,
    nextAt: row.next_at,
    state: row.state,
    lastError: row.last_error,
    createdAt: row.created_at,
  };
}
