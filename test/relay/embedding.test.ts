import http from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createRelayServer, type MessageMeta } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { IN_MEMORY_STORES } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

describe('embedding in an existing Express app (the seed bin/www case)', () => {
  it('attaches to the given app and server; code publishes through the same path', async () => {
    const app = express();
    app.get('/hello', (_req, res) => {
      res.send('still your app');
    });
    const server = http.createServer(app);
    const relay = track(
      createRelayServer({
        ...IN_MEMORY_STORES,
        app,
        httpServer: server,
        greeting: 'none',
        logger: captureLogs().logger,
      }),
      (r) => r.close(),
    );
    const { url } = await relay.listen(0, '127.0.0.1');
    expect(relay.app).toBe(app);
    expect(relay.httpServer).toBe(server);
    expect(await (await fetch(`${url}/hello`)).text()).toBe('still your app');

    const inLobby = await connectClient(url);
    const inRoom = await connectClient(url, { auth: { room: 'ops' } });
    const lobbyHears = waitForEvent<[string, MessageMeta]>(inLobby, 'sendMessageFromBack');
    const roomHears = waitForEvent<[string, MessageMeta]>(inRoom, 'sendMessageFromBack');
    const { id } = relay.relay.publish('Deploy done', {
      from: { id: 'deploy', name: 'deploy', kind: 'http' },
    });
    // Without a room, an announcement reaches every client, in every room.
    for (const [content, meta] of [await lobbyHears, await roomHears]) {
      expect(content).toBe('Deploy done');
      expect(meta).toMatchObject({ id, room: null, from: { kind: 'http', name: 'deploy' } });
    }

    await relay.close();
    expect(server.listening).toBe(false);
  });

  it('logs each message at debug level and each connection at info', async () => {
    const { logger, lines } = captureLogs('debug');
    const relay = track(
      createRelayServer({ ...IN_MEMORY_STORES, port: 0, host: '127.0.0.1', greeting: 'none', logger }),
      (r) => r.close(),
    );
    const { url } = await relay.listen();
    const client = await connectClient(url, { auth: { name: 'logged' } });
    const ack = await client.emitWithAck('sendMessage', 'log me');
    expect(ack.ok).toBe(true);
    expect(lines.find((line) => line.msg === 'client connected')).toMatchObject({
      level: 30,
      name: 'logged',
    });
    expect(lines.find((line) => line.msg === 'message published')).toMatchObject({
      level: 20,
      id: ack.ok ? ack.id : '',
      room: 'lobby',
    });
    client.disconnect();
    await expect.poll(() => lines.some((line) => line.msg === 'client disconnected')).toBe(true);
  });
});
