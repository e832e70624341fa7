// The SQLite message log on real files: group commit, retention, cursors, faults.

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync, watch } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { SqliteMessageLog } from '../../src/history/sqlite-message-log.js';
import { messageIdTime, newMessageId } from '../../src/relay/message-id.js';
import type { LoggedMessage } from '../../src/relay/message-log.js';
import { track } from '../support/cleanup.js';

const require = createRequire(import.meta.url);

/** Resolves when `child` prints a line `line`; rejects past `timeoutMs`. */
function waitForLine(child: ChildProcess, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${line}" within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().split('\n').includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function tempDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-history-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

async function openLog(
  options: {
    maxMessagesPerRoom?: number;
    maxAgeMs?: number;
    now?: () => number;
    store?: string;
    checkpointEvery?: number;
  } = {},
) {
  const store = options.store ?? path.join(await tempDir(), 'history.db');
  const log = track(
    SqliteMessageLog.open(
      {
        store,
        maxMessagesPerRoom: options.maxMessagesPerRoom ?? 1000,
        maxAgeMs: options.maxAgeMs ?? 86_400_000,
      },
      {
        ...(options.now ? { now: options.now } : {}),
        ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
      },
    ),
    (l) => l.close(),
  );
  return { log, store };
}

const from = { id: 'ci', userId: 'http:ci', name: 'ci', kind: 'http' } as const;
function message(content: string, room: string | null, at = Date.now()): LoggedMessage {
  return { content, meta: { id: newMessageId(), from, room, at: new Date(at).toISOString() } };
}
const texts = (messages: readonly LoggedMessage[]) => messages.map(({ content }) => content);

// A history file as RelayKit wrote it before schema 2 (an index on `at`, AUTOINCREMENT).
function writeSchema1(store: string, messages: readonly LoggedMessage[]): void {
  const v1 = new Database(store);
  v1.pragma('journal_mode = WAL');
  v1.exec(`
    CREATE TABLE messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, room TEXT, at INTEGER NOT NULL,
      content TEXT NOT NULL, meta TEXT NOT NULL
    );
    CREATE INDEX messages_room ON messages (room, seq);
    CREATE INDEX messages_at ON messages (at);
    PRAGMA user_version = 1;
  `);
  const insert = v1.prepare('INSERT INTO messages (id, room, at, content, meta) VALUES (?, ?, ?, ?, ?)');
  for (const { content, meta } of messages) {
    insert.run(meta.id, meta.room, Date.parse(meta.at), JSON.stringify(content), JSON.stringify(meta));
  }
  v1.close();
}

describe('message ids', () => {
  it('are UUIDv7 whose text sorts in the order they were made, within and across milliseconds', () => {
    const ids = Array.from({ length: 5000 }, () => newMessageId());
    expect(
      ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)),
    ).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // A clock that goes back does not make a smaller id.
    const later = newMessageId(Date.now() + 10_000);
    expect(newMessageId(Date.now() - 10_000) > later).toBe(true);
  });

  it('hold the millisecond they were made at, read back by messageIdTime', () => {
    const at = Date.now() + 60_000;
    expect(messageIdTime(newMessageId(at))).toBe(at);
    expect(messageIdTime('0192f3a4-5b6c-7d8e-9f01-23456789abcd')).toBe(0x0192f3a45b6c);
  });
});

describe('SqliteMessageLog', () => {
  it('commits the appends of one event-loop turn together, and resolves them only once stored', async () => {
    const { log, store } = await openLog();
    const appends = [
      log.append([message('a', 'ops')]),
      log.append([message('b', 'ops'), message('c', null)]),
    ];
    // Nothing is readable before the turn's commit.
    expect(log.read({ room: 'ops', limit: 10 }).messages).toEqual([]);
    await Promise.all(appends);
    // Resolved means committed: readable at once, before any later turn could have written it.
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['a', 'b', 'c']);
    log.close();
    const reopened = (await openLog({ store })).log;
    expect(texts(reopened.read({ room: 'ops', limit: 10 }).messages)).toEqual(['a', 'b', 'c']);
    // Relay-wide announcements are in every room's history; another room's messages are not.
    expect(texts(reopened.read({ room: 'general', limit: 10 }).messages)).toEqual(['c']);
  });

  it('pages backwards and forwards without skipping or repeating while writers keep appending', async () => {
    const { log } = await openLog();
    for (let i = 0; i < 25; i += 1) await log.append([message(`m${i}`, i % 5 === 0 ? null : 'ops')]);
    const newest = log.read({ room: 'ops', limit: 10 });
    expect(texts(newest.messages)).toEqual(Array.from({ length: 10 }, (_, i) => `m${15 + i}`));
    expect(newest.more).toBe(true);
    // Readers walk back while new messages arrive; the pages join up exactly.
    const seen = [...newest.messages];
    let before = newest.messages[0]?.meta.id;
    let writes = 0;
    for (;;) {
      await log.append([message(`new${writes++}`, 'ops')]);
      const page = log.read({ room: 'ops', before: before as string, limit: 7 });
      seen.unshift(...page.messages);
      before = page.messages[0]?.meta.id;
      if (!page.more) break;
    }
    expect(texts(seen)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
    // Forwards from the oldest: everything after it, the new messages included, once each.
    const forward: LoggedMessage[] = [];
    let after = seen[0]?.meta.id as string;
    for (;;) {
      const page = log.read({ room: 'ops', after, limit: 4 });
      forward.push(...page.messages);
      if (!page.more) break;
      after = page.messages.at(-1)?.meta.id as string;
    }
    expect(texts(forward)).toEqual([
      ...Array.from({ length: 24 }, (_, i) => `m${i + 1}`),
      ...Array.from({ length: writes }, (_, i) => `new${i}`),
    ]);
  });

  it('places a cursor whose message is gone (redacted) by its id', async () => {
    const { log } = await openLog();
    const all = [message('a', 'ops'), message('b', 'ops'), message('c', 'ops')];
    await log.append(all);
    expect(log.redact(all[1]?.meta.id as string)).toEqual({ room: 'ops' });
    expect(log.redact(all[1]?.meta.id as string)).toBeUndefined();
    expect(texts(log.read({ room: 'ops', after: all[1]?.meta.id as string, limit: 10 }).messages)).toEqual([
      'c',
    ]);
    expect(texts(log.read({ room: 'ops', before: all[1]?.meta.id as string, limit: 10 }).messages)).toEqual([
      'a',
    ]);
    expect(log.get(all[1]?.meta.id as string)).toBeUndefined();
    expect(log.get(all[2]?.meta.id as string)?.content).toBe('c');
  });

  it('waits longer than the usual 5 s for another process that holds a schema 1 store (its rebuild)', {
    timeout: 20_000,
  }, async () => {
    const store = path.join(await tempDir(), 'history.db');
    writeSchema1(store, [message('a', 'ops')]);
    // Another process (a --workers sibling rebuilding it) holds the write lock for 5.5 s.
    const holder = track(
      spawn(
        process.execPath,
        [
          '-e',
          `const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(store)});
           db.exec('BEGIN IMMEDIATE'); console.log('locked');
           setTimeout(() => { db.exec('COMMIT'); db.close(); }, 5500);`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      ),
      (child) => {
        child.kill();
      },
    );
    await waitForLine(holder, 'locked', 10_000);
    const started = Date.now();
    const { log } = await openLog({ store });
    expect(Date.now() - started).toBeGreaterThan(4000);
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['a']);
  });

  it('reads a message appended after the newest was redacted (its seq reused) after the others', async () => {
    const { log } = await openLog();
    const first = [message('a', 'ops'), message('b', 'ops'), message('c', 'ops')];
    await log.append(first);
    expect(log.redact(first[2]?.meta.id as string)).toEqual({ room: 'ops' });
    const d = message('d', 'ops');
    await log.append([d]);
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['a', 'b', 'd']);
    // A reader whose cursor is the redacted message still gets the one that took its place.
    expect(texts(log.read({ room: 'ops', after: first[2]?.meta.id as string, limit: 10 }).messages)).toEqual([
      'd',
    ]);
    expect(texts(log.read({ room: 'ops', after: first[1]?.meta.id as string, limit: 10 }).messages)).toEqual([
      'd',
    ]);
    expect(texts(log.read({ room: 'ops', before: d.meta.id, limit: 10 }).messages)).toEqual(['a', 'b']);
  });

  it('rebuilds a schema 1 store (index on at, AUTOINCREMENT) to schema 2, keeping every message', async () => {
    const store = path.join(await tempDir(), 'history.db');
    const old = [message('a', 'ops'), message('b', null), message('c', 'ops')];
    writeSchema1(store, old);
    const { log } = await openLog({ store });
    await log.append([message('d', 'ops')]);
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['a', 'b', 'c', 'd']);
    expect(log.get(old[1]?.meta.id as string)).toEqual(old[1]);
    log.close();
    const v2 = new Database(store, { readonly: true });
    try {
      expect(v2.pragma('user_version', { simple: true })).toBe(2);
      const indexes = v2
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .all();
      expect(indexes).toEqual([{ name: 'messages_room' }]);
      const table = v2.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages'").get() as {
        sql: string;
      };
      expect(table.sql).toContain('seq INTEGER PRIMARY KEY,');
    } finally {
      v2.close();
    }
  });

  it('keeps the newest maxMessagesPerRoom of each room: at the limit all, one past it the oldest goes', async () => {
    const { log } = await openLog({ maxMessagesPerRoom: 3 });
    await log.append([
      message('o1', 'ops'),
      message('o2', 'ops'),
      message('o3', 'ops'),
      message('g1', 'general'),
    ]);
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['o1', 'o2', 'o3']);
    await log.append([message('o4', 'ops')]);
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['o2', 'o3', 'o4']);
    // Another room's count is its own.
    expect(texts(log.read({ room: 'general', limit: 10 }).messages)).toEqual(['g1']);
  });

  // A node refused by its load balancer gets no more traffic: waiting for a write to clear the failure
  // kept it out of rotation after the store was fine again.
  it('says healthy again once the store can be written, without waiting for a write', {
    timeout: 20_000,
  }, async () => {
    const { log, store } = await openLog();
    await log.append([message('before', 'ops')]);
    const other = new Database(store);
    other.exec('BEGIN EXCLUSIVE'); // another process holding the write lock past the busy timeout
    await expect(log.append([message('refused', 'ops')])).rejects.toMatchObject({
      code: 'RELAY_ERR_STORE_UNAVAILABLE',
    });
    expect(log.health()).toMatchObject({ ok: false, detail: expect.stringContaining('SQLITE_BUSY') });
    other.exec('COMMIT');
    other.close();
    await vi.waitFor(() => expect(log.health()).toEqual({ ok: true }), { timeout: 3000 });
    await log.append([message('after', 'ops')]);
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['before', 'after']);
  });

  it('trims a room of 1 000 every 10th message: 1 009 kept at most, back to 1 000 at the 10th past', async () => {
    const { log } = await openLog({ maxMessagesPerRoom: 1000 });
    const kept = () => log.read({ room: 'ops', limit: 2000 }).messages;
    await log.append(Array.from({ length: 1000 }, (_, i) => message(`m${i}`, 'ops')));
    expect(kept()).toHaveLength(1000);
    for (let i = 1000; i < 1009; i += 1) await log.append([message(`m${i}`, 'ops')]);
    expect(kept()).toHaveLength(1009);
    await log.append([message('m1009', 'ops')]);
    const after = kept();
    expect(after).toHaveLength(1000);
    expect(after[0]?.content).toBe('m10');
    expect(after.at(-1)?.content).toBe('m1009');
  });

  // close() returned while the checkpoint thread still had the file open: removing the folder right
  // after failed now and then with ENOTEMPTY (its last checkpoint wrote meanwhile).
  it('closes only once the checkpoint thread is gone, leaving the folder the database alone', async () => {
    const { log, store } = await openLog({ checkpointEvery: 1 });
    await log.append(Array.from({ length: 1000 }, (_, i) => message(`m${i}`, 'ops')));
    await log.append([message('one more', 'ops')]); // the thread is checkpointing now
    await log.close();
    // Whatever touches the folder from now on was still running after close().
    const touched: string[] = [];
    const watcher = watch(path.dirname(store), (_event, name) => touched.push(String(name)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    watcher.close();
    expect(touched).toEqual([]);
    expect(readdirSync(path.dirname(store))).toEqual(['history.db']);
  });

  it('checkpoints the WAL off the event loop: the database file gets the messages long before the writer would', async () => {
    // The writer's own checkpoint waits for 4 000 pages; 5 one-message commits are ~25.
    const { log, store } = await openLog({ checkpointEvery: 5 });
    const before = statSync(store).size;
    for (let i = 0; i < 5; i += 1) await log.append([message(`m${i}`, 'ops')]);
    await vi.waitFor(() => expect(statSync(store).size).toBeGreaterThan(before), { timeout: 10_000 });
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    log.close();
    log.close();
  });

  it('drops messages past maxAgeMs: unread at once, deleted by the trim, at the limit kept', async () => {
    let now = Date.now();
    const { log } = await openLog({ maxAgeMs: 60_000, now: () => now });
    const start = now;
    const old = message('old', 'ops', start);
    await log.append([old, message('newer', 'ops', start + 1)]);
    now = start + 60_000;
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['old', 'newer']);
    now = start + 60_001;
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['newer']);
    // Gone for readers before the trim deletes it: not found to redact either (404, as GET answers).
    expect(log.get(old.meta.id)).toBeUndefined();
    expect(log.redact(old.meta.id)).toBeUndefined();
    expect(log.trimExpired()).toBe(1);
    now = start + 120_000;
    expect(log.trimExpired()).toBe(1);
    expect(log.read({ room: 'ops', limit: 10 }).messages).toEqual([]);
  });

  it('deletes an expired backlog in slices of the oldest, up to the first message still young', async () => {
    let now = Date.now();
    const start = now;
    const { log } = await openLog({ maxMessagesPerRoom: 100_000, maxAgeMs: 60_000, now: () => now });
    const old = Array.from({ length: 2500 }, (_, i) => message(`old${i}`, i % 2 ? 'ops' : null, start));
    await log.append(old);
    await log.append([message('young', 'ops', start + 30_000)]);
    now = start + 60_001;
    expect(log.trimExpired()).toBe(2500);
    expect(log.trimExpired()).toBe(0);
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual(['young']);
  });

  it('steps over a few young messages at the oldest end (a clock set back) to the expired ones behind', async () => {
    let now = Date.now();
    const start = now;
    const { log } = await openLog({ maxMessagesPerRoom: 100_000, maxAgeMs: 60_000, now: () => now });
    await log.append(Array.from({ length: 5 }, (_, i) => message(`ahead${i}`, 'ops', start + 30_000)));
    await log.append(Array.from({ length: 2500 }, (_, i) => message(`old${i}`, 'ops', start)));
    now = start + 60_001;
    expect(log.trimExpired()).toBe(2500);
    expect(texts(log.read({ room: 'ops', limit: 10 }).messages)).toEqual([
      'ahead0',
      'ahead1',
      'ahead2',
      'ahead3',
      'ahead4',
    ]);
    now = start + 90_001;
    expect(log.trimExpired()).toBe(5);
  });

  it('refuses appends to a file made read-only or deleted, says so in health, and recovers', async () => {
    const { log, store } = await openLog();
    await log.append([message('kept', 'ops')]);
    await chmod(store, 0o444);
    try {
      // Root ignores file modes; the deleted file below is then the fault that counts.
      if (process.getuid?.() !== 0) {
        await expect(log.append([message('lost', 'ops')])).rejects.toMatchObject({
          code: 'RELAY_ERR_STORE_UNAVAILABLE',
        });
        expect(log.health()).toMatchObject({ ok: false });
        expect(() => log.assertWritable()).toThrow(
          expect.objectContaining({ code: 'RELAY_ERR_STORE_UNAVAILABLE' }),
        );
      }
    } finally {
      await chmod(store, 0o644);
    }
    expect(log.health()).toEqual({ ok: true });
    await rm(store);
    await expect(log.append([message('lost', 'ops')])).rejects.toMatchObject({
      code: 'RELAY_ERR_STORE_UNAVAILABLE',
      message: expect.stringContaining('deleted'),
    });
    expect(log.health()).toMatchObject({ ok: false, detail: expect.stringContaining('deleted') });
  });

  it('refuses to open a file that is not a history store, naming it, and leaves it as it was', async () => {
    const store = path.join(await tempDir(), 'history.db');
    await writeFile(store, 'this is not a database, but somebody may want it back'.repeat(100));
    expect(() => SqliteMessageLog.open({ store, maxMessagesPerRoom: 10, maxAgeMs: 60_000 })).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_HISTORY_STORE', message: expect.stringContaining(store) }),
    );
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(store, 'utf8')).toContain('somebody may want it back');
  });
});
