import { describe, expect, it } from 'vitest';
import { createRelayClient } from '../../src/client/index.js';
import type { MessageMeta } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { now, openWithTokens, refusedRecovery, signToken, startJwtRelay } from './jwt-relay.js';

async function fromOf(socket: Awaited<ReturnType<typeof connectClient>>, text: string) {
  const heard = waitForEvent<[string, MessageMeta]>(socket, 'sendMessageFromBack', {
    filter: (c) => c === text,
  });
  socket.emit('sendMessage', text);
  return (await heard)[1].from;
}

describe('jwt auth mode: one person, one user id', () => {
  it('gives two tabs of one person, and each reconnection, the same userId', async () => {
    const { url } = await startJwtRelay();
    const token = await signToken({ sub: 'u-ann' });
    const tab1 = await connectClient(url, { auth: { token } });
    const tab2 = await connectClient(url, { auth: { token } });
    const first = await fromOf(tab1, 'from tab 1');
    const second = await fromOf(tab2, 'from tab 2');
    expect(first.id).not.toBe(second.id);
    expect([first.userId, second.userId]).toEqual(['u-ann', 'u-ann']);
    tab1.disconnect();
    const again = await connectClient(url, { auth: { token } });
    expect((await fromOf(again, 'back')).userId).toBe('u-ann');
  });

  it('recovers a dropped session for the same user with a fresh token, and refuses it to another user', async () => {
    const { url } = await startJwtRelay();
    const ann = await signToken({ sub: 'u-ann', name: 'Ann' });
    const socket = openWithTokens(url, ann, await signToken({ sub: 'u-ann', name: 'Ann B.' }));
    await waitForEvent(socket, 'connect');
    expect(await socket.emitWithAck('join', 'general')).toMatchObject({ ok: true });
    // Recovery resumes after the last broadcast the client received.
    const seen = waitForEvent(socket, 'sendMessageFromBack');
    socket.emit('sendMessage', 'before the drop');
    await seen;
    socket.io.engine.close();
    await waitForEvent(socket, 'connect');
    expect(socket.recovered).toBe(true);
    // The fresh token's name applies to the recovered session; it is still the same user in the same room.
    const heard = waitForEvent<[string, MessageMeta]>(socket, 'sendMessageFromBack');
    socket.emit('sendMessage', 'recovered');
    expect((await heard)[1]).toMatchObject({ room: 'general', from: { userId: 'u-ann', name: 'Ann B.' } });

    const mallory = await signToken({ sub: 'u-mallory' });
    const thief = openWithTokens(url, ann, mallory);
    await waitForEvent(thief, 'connect');
    expect(await refusedRecovery(thief, 'mine')).toMatchObject({
      code: 'RELAY_ERR_UNAUTHENTICATED',
      message: expect.stringContaining('another user'),
    });
  });

  it('closes a connection when its token expires, saying so first, and the client kit reconnects with a fresh token', async () => {
    const { url } = await startJwtRelay({ auth: { clockToleranceSec: 0 } });
    const issued: string[] = [];
    const client = track(
      createRelayClient(url, {
        socket: { transports: ['websocket'] },
        token: async () => {
          // The first token expires in a second; the next ones last an hour.
          const token = await signToken({ sub: 'u-ann', exp: now() + (issued.length === 0 ? 1 : 3600) });
          issued.push(token);
          return token;
        },
      }),
      (c) => c.close(),
    );
    await client.ready();
    const expired = waitForEvent<[{ code: string; message: string; event: string }]>(
      client.socket,
      'relayError',
      {
        timeoutMs: 4000,
      },
    );
    const dropped = waitForEvent<[string]>(client.socket, 'disconnect', { timeoutMs: 4000 });
    expect((await expired)[0]).toMatchObject({
      code: 'RELAY_ERR_UNAUTHENTICATED',
      event: 'auth',
      message: expect.stringContaining('expired'),
    });
    expect((await dropped)[0]).toBe('io server disconnect');
    await waitForEvent(client.socket, 'connect');
    expect(issued).toHaveLength(2);
    const heard = new Promise<MessageMeta>((resolve) => client.onMessage(({ meta }) => resolve(meta)));
    expect(await client.send('still me')).toMatchObject({ ok: true });
    expect((await heard).from.userId).toBe('u-ann');
  });

  it('leaves a client with a fixed token disconnected after it expired, with the reason', async () => {
    const { url } = await startJwtRelay({ auth: { clockToleranceSec: 0 } });
    const token = await signToken({ exp: now() + 1 });
    const client = track(createRelayClient(url, { token, socket: { transports: ['websocket'] } }), (c) =>
      c.close(),
    );
    await client.ready();
    await waitForEvent(client.socket, 'disconnect', { timeoutMs: 4000 });
    expect(client.status).toBe('disconnected');
    expect(client.socket.active).toBe(false);
    const reason = { code: 'RELAY_ERR_UNAUTHENTICATED', message: expect.stringContaining('expired') };
    expect(client.lastError).toEqual(reason);
    // Nothing will reconnect it: ready() says so at once instead of waiting out its timeout.
    const waited = Promise.race([
      client.ready({ timeoutMs: 10_000 }),
      new Promise((resolve) => setTimeout(resolve, 2000, 'still waiting')),
    ]);
    await expect(waited).rejects.toMatchObject({ code: 'RELAY_ERR_UNAUTHENTICATED' });
  });

  it('sends the token a client kit was given as a string', async () => {
    const { url } = await startJwtRelay();
    const client = track(
      createRelayClient(url, { token: await signToken({ sub: 'u-kit' }), name: 'ignored' }),
      (c) => c.close(),
    );
    const heard = new Promise<MessageMeta>((resolve) => client.onMessage(({ meta }) => resolve(meta)));
    await client.send('hi');
    expect((await heard).from).toMatchObject({ userId: 'u-kit', name: 'Ann' });
  });

  it('connects without a token when the provider throws, which the relay refuses', async () => {
    const { url } = await startJwtRelay();
    const client = track(
      createRelayClient(url, {
        token: () => {
          throw new Error('the backend is down');
        },
      }),
      (c) => c.close(),
    );
    await expect(client.ready()).rejects.toMatchObject({ code: 'RELAY_ERR_UNAUTHENTICATED' });
  });
});
