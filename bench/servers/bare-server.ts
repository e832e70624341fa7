// The baseline: the seed tutorial's server, bare. Express + socket.io, `io.emit('sendMessageFromBack', m)`
// on every `sendMessage`, and an `app.post` that calls `io.emit` — no validation, metadata, limits or logs.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
}

// As long as socket.io's connection-recovery offsets: yeast ids, 7 characters of the time in ms.
const offset = () => Date.now().toString(36).slice(-7);

await runServerChild(async () => {
  const options = serverOptions<BareOptions>();
  const app = express();
  const server = createServer(app);
  const io = new Server(server, options.parser === 'msgpack' ? { parser: msgpackParser } : {});

  io.on('connection', (socket) => {
    const from = { id: socket.id, name: String(socket.handshake.auth.name ?? 'guest-0000'), kind: 'user' };
    socket.on('sendMessage', (message: unknown) => {
      if (options.meta) {
        const meta = { id: randomUUID(), from, room: null, at: new Date().toISOString() };
        io.emit('sendMessageFromBack', message, meta, offset());
      } else {
        io.emit('sendMessageFromBack', message);
      }
      if (options.ping && message === '!ping') socket.emit('sendMessageFromBack', 'pong');
    });
  });

  const httpFrom = { id: 'bench', name: 'bench', kind: 'http' };
  app.post('/v1/messages', express.json(), (req, res) => {
    const content = (req.body as { content?: unknown }).content;
    if (options.meta) {
      const meta = { id: randomUUID(), from: httpFrom, room: null, at: new Date().toISOString() };
      io.emit('sendMessageFromBack', content, meta, offset());
    } else {
      io.emit('sendMessageFromBack', content);
    }
    res.status(202).json({ ok: true });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    notes: [],
    close: () => io.close().then(() => undefined),
  };
});
