// What the message history costs, measured in one process on real SQLite files (the history
// numbers; see bench/README.md "Message history"):
//   - sustained write rate into the log, with group commit (SqliteMessageLog alone, and the whole publish
//     path: Relay.publish until `committed`);
//   - ack latency a durable write adds: a socket client's sendMessage ack round trip, history on vs off;
//   - history page reads (50 messages): the log alone, and a socket's `history` event round trip, p99;
//   - database size after N messages with retention on.
// Usage: tsx bench/history-micro.ts [--quick]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { SqliteMessageLog } from '../src/history/sqlite-message-log.js';
import { createRelayServer, type MessageMeta, type SendAck } from '../src/index.js';
import { newMessageId } from '../src/relay/message-id.js';
import { summarise } from './stats.js';

const quick = process.argv.includes('--quick');
const WRITES = quick ? 100_000 : 400_000;
const PER_TURN = 64;
const ACKS = quick ? 1000 : 5000;
const READS = quick ? 2000 : 10_000;
const SIZE_MESSAGES = quick ? 200_000 : 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'relaykit-history-bench-'));
const content = 'x'.repeat(100);
const from = { id: 'bench', userId: 'http:bench', name: 'bench', kind: 'http' } as const;
const out = (line: string) => process.stdout.write(`${line}\n`);
const fileBytes = (file: string) =>
  ['', '-wal', '-shm'].reduce((sum, suffix) => {
    try {
      return sum + statSync(file + suffix).size;
    } catch {
      return sum;
    }
  }, 0);

function meta(room: string): MessageMeta {
  return { id: newMessageId(), from, room, at: new Date().toISOString() };
}

// 1. The log alone: PER_TURN appends a turn (as PER_TURN sockets would make), one commit each turn.
{
  const log = SqliteMessageLog.open({
    store: join(dir, 'writes.db'),
    maxMessagesPerRoom: 1000,
    maxAgeMs: 86_400_000,
  });
  const rooms = Array.from({ length: 10 }, (_, i) => `room-${i}`);
  const started = performance.now();
  for (let written = 0; written < WRITES; written += PER_TURN) {
    const turn: Promise<void>[] = [];
    for (let i = 0; i < PER_TURN; i += 1)
      turn.push(log.append([{ content, meta: meta(rooms[i % 10] as string) }]));
    await Promise.all(turn);
  }
  const seconds = (performance.now() - started) / 1000;
  out(
    `log alone: ${Math.round(WRITES / seconds).toLocaleString('en')} messages/s sustained (${PER_TURN} appends a turn, 10 rooms, retention 1000/room)`,
  );

  // 3a. Page reads from the log: 50 messages before a random cursor of a full room.
  const ids = log.read({ room: 'room-0', limit: 200 }).messages.map(({ meta: m }) => m.id);
  const samples: number[] = [];
  for (let i = 0; i < READS; i += 1) {
    const before = ids[50 + Math.floor(Math.random() * (ids.length - 50))] as string;
    const t = performance.now();
    log.read({ room: 'room-0', before, limit: 50 });
    samples.push(performance.now() - t);
  }
  const reads = summarise(samples);
  out(
    `history page (50 messages) from the log: p50 ${reads.p50.toFixed(3)} ms, p99 ${reads.p99.toFixed(3)} ms`,
  );
  log.close();
}

// 1b. The whole publish path with history on, no clients: publish until committed, PER_TURN a turn.
{
  const server = createRelayServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    rateLimit: false,
    scheduler: { store: ':memory:' },
    history: { store: join(dir, 'publish.db') },
  });
  await server.listen();
  const started = performance.now();
  for (let written = 0; written < WRITES; written += PER_TURN) {
    const turn: Array<Promise<void> | undefined> = [];
    for (let i = 0; i < PER_TURN; i += 1)
      turn.push(server.relay.publish(content, { from, room: `room-${i % 10}` }).committed);
    await Promise.all(turn);
  }
  const seconds = (performance.now() - started) / 1000;
  out(
    `Relay.publish with history until committed: ${Math.round(WRITES / seconds).toLocaleString('en')} messages/s`,
  );
  await server.close();
}

// 2 and 3b. A socket client: ack round trips with history on and off, then `history` round trips.
for (const history of [false, true] as const) {
  const server = createRelayServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    rateLimit: false,
    greeting: 'none',
    scheduler: { store: ':memory:' },
    history: history ? { store: join(dir, 'acks.db') } : false,
  });
  const { url } = await server.listen();
  const client = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const samples: number[] = [];
  for (let i = 0; i < ACKS + 200; i += 1) {
    const t = performance.now();
    const ack = (await client.emitWithAck('sendMessage', content)) as SendAck;
    if (!ack.ok) throw new Error(ack.error.message);
    if (i >= 200) samples.push(performance.now() - t);
  }
  const acks = summarise(samples);
  out(
    `ack round trip, history ${history ? 'on ' : 'off'}: p50 ${acks.p50.toFixed(3)} ms, p99 ${acks.p99.toFixed(3)} ms`,
  );
  if (history) {
    const reads: number[] = [];
    for (let i = 0; i < Math.min(READS, 2000); i += 1) {
      const t = performance.now();
      await client.emitWithAck('history', { limit: 50 });
      reads.push(performance.now() - t);
    }
    const page = summarise(reads);
    out(
      `history event (50 messages) round trip: p50 ${page.p50.toFixed(3)} ms, p99 ${page.p99.toFixed(3)} ms`,
    );
  }
  client.disconnect();
  await server.close();
}

// 4. Database size after SIZE_MESSAGES messages into 10 rooms with the default retention (1000 a room).
{
  const file = join(dir, 'size.db');
  const log = SqliteMessageLog.open({ store: file, maxMessagesPerRoom: 1000, maxAgeMs: 2_592_000_000 });
  const sizes: string[] = [];
  for (let written = 0; written < SIZE_MESSAGES; written += 1000) {
    const batch = Array.from({ length: 1000 }, (_, i) => ({ content, meta: meta(`room-${i % 10}`) }));
    await log.append(batch);
    if ((written + 1000) % (SIZE_MESSAGES / 4) === 0)
      sizes.push(
        `${((written + 1000) / 1000).toLocaleString('en')}k: ${(fileBytes(file) / 1024 / 1024).toFixed(1)} MiB`,
      );
  }
  out(`database size with retention (10 rooms × 1000): ${sizes.join(', ')} (file + WAL)`);
  log.close();
}

rmSync(dir, { recursive: true, force: true });
