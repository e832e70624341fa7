// The baseline: the seed tutorial's server, bare. Express + socket.io, `io.emit('sendMessageFromBack', m)`
// on every `sendMessage`, and an `app.post` that calls `io.emit` — no validation, metadata, limits or logs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Server } from 'socket.io';
import { runServerChild, serverOptions } from './server-child.js';

interface BareOptions {
  /** Bench-only: answer `!ping` with `pong` inline, the bare equivalent of a ping bot. */
  readonly ping: boolean;
}

await runServerChild(async () => {
  const options = serverOptions<BareOptions>();
  const app = express();
  const server = createServer(app);
  const io = new Server(server);

  io.on('connection', (socket) => {
    socket.on('sendMessage', (message: unknown) => {
      io.emit('sendMessageFromBack', message);
      if (options.ping && message === '!ping') socket.emit('sendMessageFromBack', 'pong');
    });
  });

  app.post('/v1/messages', express.json(), (req, res) => {
    io.emit('sendMessageFromBack', (req.body as { content?: unknown }).content);
    res.status(202).json({ ok: true });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    notes: [],
    close: () => io.close().then(() => undefined),
  };
});
