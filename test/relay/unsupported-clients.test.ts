// socket.io 2.x clients (engine.io protocol 3) are refused by engine.io; the relay says so in its log,
// once per episode, however often they retry.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WARN } from '../support/capture-logs.js';
import { connectClient } from '../support/connect-client.js';
import { rawRequest } from '../support/raw-request.js';
import { startRelay } from '../support/start-relay.js';

const V2_POLLING = '/socket.io/?EIO=3&transport=polling&t=N8hyd6w';

// A raw WebSocket upgrade in protocol 3: what a socket.io 2.x client with transports: ['websocket'] sends.
// Resolves with how the relay ended it.
function upgradeOutcome(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: hostname,
      port,
      path: '/socket.io/?EIO=3&transport=websocket',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    // engine.io completes the upgrade, then refuses the handshake by closing the connection.
    req.on('upgrade', (_res, socket) => {
      socket.resume();
      socket.on('close', () => resolve('closed by the relay'));
    });
    req.on('response', (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      // engine.io ends a refused upgrade by closing the socket, with or without an HTTP answer.
      error.code === 'ECONNRESET' ? resolve('closed') : reject(error),
    );
    req.end();
  });
}

describe('socket.io 2.x clients (EIO=3)', () => {
  it("answers engine.io's 400 'Unsupported protocol version' and logs one line for many attempts, with the protocol", async () => {
    const { server, url, logs } = await startRelay({ greeting: 'none' });
    const attempts = 50;
    for (let i = 0; i < attempts; i += 1) {
      const response = await rawRequest(url, {
        path: V2_POLLING,
        headers: { 'user-agent': 'node-XMLHttpRequest' },
      });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ code: 5, message: 'Unsupported protocol version' });
    }
    expect(await upgradeOutcome(url)).toBe('closed by the relay');
    const refused = () => logs.filter((line) => line.code === 'RELAY_ERR_UNSUPPORTED_CLIENT');
    expect(refused()).toEqual([
      expect.objectContaining({
        level: WARN,
        protocol: '3',
        transport: 'polling',
        userAgent: 'node-XMLHttpRequest',
        address: '127.0.0.1',
        msg: expect.stringContaining('socket.io 2.x'),
      }),
    ]);
    // The episode's summary counts every attempt, the websocket one included.
    await server.close();
    expect(refused()).toHaveLength(2);
    expect(refused()[1]).toMatchObject({
      msg: 'unsupported client refusals ended',
      refused: attempts + 1,
    });
  });

  it('logs nothing of the kind for socket.io 4 clients', async () => {
    const { url, logs } = await startRelay({ greeting: 'none' });
    const client = await connectClient(url);
    expect(client.connected).toBe(true);
    expect(logs.filter((line) => line.code === 'RELAY_ERR_UNSUPPORTED_CLIENT')).toEqual([]);
  });
});
