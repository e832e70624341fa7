// Handshakes the relay's own checks refuse are logged once per client address and code: a client
// guessing bot tokens, or claiming a room its token does not grant, is seen, and seen once.
import { describe, expect, it } from 'vitest';
import { signToken, startJwtRelay } from '../auth/jwt-relay.js';
import { WARN } from '../support/capture-logs.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';

const refusalLines = (logs: readonly { msg?: unknown; level?: unknown }[]) =>
  logs.filter(
    (line) =>
      (line.msg === 'connection refused' || line.msg === 'connection refusals ended') && line.level === WARN,
  );

describe('refused handshakes in the log', () => {
  it('logs wrong bot tokens once for the episode, and how many there were when it ends', async () => {
    const { server, url, logs } = await startRelay({ greeting: 'none' });
    for (let i = 0; i < 3; i += 1) {
      await expect(
        connectClient(url, { transports: ['websocket'], auth: { name: 'guess', botToken: `guess-${i}` } }),
      ).rejects.toMatchObject({ data: { code: 'RELAY_ERR_BOT_AUTH_FAILED' } });
    }
    expect(refusalLines(logs)).toEqual([
      expect.objectContaining({
        msg: 'connection refused',
        code: 'RELAY_ERR_BOT_AUTH_FAILED',
        client: '127.0.0.1',
      }),
    ]);
    await server.close();
    expect(refusalLines(logs).at(-1)).toMatchObject({
      msg: 'connection refusals ended',
      code: 'RELAY_ERR_BOT_AUTH_FAILED',
      refused: 3,
    });
  });

  it('logs a valid token refused for its first room, apart from the bad tokens the authenticator logs', async () => {
    const { url, logs } = await startJwtRelay();
    const token = await signToken({ rooms: ['ops'] });
    for (let i = 0; i < 2; i += 1) {
      await expect(
        connectClient(url, { transports: ['websocket'], auth: { token, room: 'payroll' } }),
      ).rejects.toMatchObject({ data: { code: 'RELAY_ERR_FORBIDDEN' } });
    }
    await expect(
      connectClient(url, { transports: ['websocket'], auth: { token: 'not-a-jwt' } }),
    ).rejects.toMatchObject({ data: { code: 'RELAY_ERR_UNAUTHENTICATED' } });
    expect(refusalLines(logs)).toEqual([
      expect.objectContaining({
        msg: 'connection refused',
        code: 'RELAY_ERR_FORBIDDEN',
        client: '127.0.0.1',
      }),
    ]);
    expect(logs.filter((line) => line.msg === 'connection refused: bad token')).toHaveLength(1);
  });
});
