// The baseline: the seed tutorial's server, bare. Express + socket.io, `io.emit('sendMessageFromBack', m)`
// on every `sendMessage`, and an `app.post` that calls `io.emit` — no validation, metadata, limits or logs.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import { Server } from 'socket.io';
import msgpackParser from 'socket.io-msgpack-parser';
import { runServerChild, serverOptions } from './server-child.js';

interface BareOptions {
  /** Bench-only: answer `!ping` with `pong` inline, the bare equivalent of a ping bot. */
  readonly ping: boolean;
  /**
   * Bench-only control (`--bare-meta`): send what RelayKit sends — the message, a meta of the same shape
   * and a recovery-offset-sized string — without RelayKit's work, to tell bytes on the wire from code.
   */
  readonly meta: boolean;
  /** Bench-only (`--bare-parser`): socket.io's packet encoding, to measure a binary parser. */
  readonly parser: 'json' | 'msgpack';
  /**
   * Bench-only control (`--bare-durable`): insert every message into a SQLite file (WAL,
   * `synchronous = NORMAL`, one row, no index, no trim, no check) before sending it: the floor under any
   * history that keeps a message before it is delivered, to tell that floor from RelayKit's own work.
   */
  readonly durable: boolean;
}

// As long as socket.io's connection-recovery offsets: yeast ids, 7 characters of the time in ms.
const offset = () => Date.now().toString(36).slice(-7);

await runServerChild(async () => {
  const options = serverOptions<BareOptions>();
  const app = express();
  const server = createServer(app);
  const io = new Server(server, options.parser === 'msgpack' ? { parser: msgpackParser } : {});
  const dir = options.durable ? mkdtempSync(join(tmpdir(), 'relaykit-bench-bare-')) : undefined;
  const db = dir === undefined ? undefined : new Database(join(dir, 'history.db'));
  db?.pragma('journal_mode = WAL');
  db?.pragma('synchronous = NORMAL');
  db?.exec('CREATE TABLE messages (seq INTEGER PRIMARY KEY, content TEXT NOT NULL)');
  const insert = db?.prepare('INSERT INTO messages (content) VALUES (?)');
  // The seed's io.emit; with --bare-meta, RelayKit's bytes after the content, without its work.
  const broadcast = (content: unknown, from: { id: string; name: string; kind: string }) => {
    insert?.run(JSON.stringify(content));
    if (!options.meta) return io.emit('sendMessageFromBack', content);
    const meta = { id: randomUUID(), from, room: null, at: new Date().toISOString() };
    return io.emit('sendMessageFromBack', content, meta, offset());
  };

  io.on('connection', (socket) => {
    const from = { id: socket.id, name: String(socket.handshake.auth.name ?? 'guest-0000'), kind: 'user' };
    socket.on('sendMessage', (message: unknown) => {
      broadcast(message, from);
      if (options.ping && message === '!ping') socket.emit('sendMessageFromBack', 'pong');
    });
  });

  const httpFrom = { id: 'bench', name: 'bench', kind: 'http' };
  app.post('/v1/messages', express.json(), (req, res) => {
    broadcast((req.body as { content?: unknown }).content, httpFrom);
    res.status(202).json({ ok: true });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    notes: [],
    close: async () => {
      await io.close();
      db?.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
});
