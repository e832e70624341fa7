// The relay's side of bots: token authentication, botMessage, presence, and what bots may not do.
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BotConnection } from '../../src/bots/bot-connection.js';
import type { PresenceEvent, RoomAck, SendAck } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient, openClient } from '../support/connect-client.js';
import { freePort } from '../support/free-port.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

const TOKEN = 'test-bot-token-0123456789';

describe('bot connections', () => {
  it('refuses a wrong bot token with RELAY_ERR_BOT_AUTH_FAILED', async () => {
    const { url } = await startRelay({ botToken: TOKEN });
    const socket = openClient(url, { auth: { name: 'intruder', botToken: 'not-the-token-at-all' } });
    const [error] = await waitForEvent<[Error & { data: { code: string } }]>(socket, 'connect_error');
    expect(error.data.code).toBe('RELAY_ERR_BOT_AUTH_FAILED');
  });

  it('lets a bot publish to any room as kind bot, with causedBy and hops in meta', async () => {
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const person = await connectClient(url, { auth: { name: 'hana', room: 'general' } });
    const bot = await connectClient(url, { auth: { name: 'helper', botToken: TOKEN } });
    const heard = waitForEvent<[string, { from: unknown; room: string; causedBy: string; hops: number }]>(
      person,
      'sendMessageFromBack',
    );
    const ack = await bot.emitWithAck('botMessage', 'hi hana', { room: 'general', causedBy: 'm-1', hops: 1 });
    expect(ack.ok).toBe(true);
    const [content, meta] = await heard;
    expect(content).toBe('hi hana');
    expect(meta).toMatchObject({
      from: { name: 'helper', kind: 'bot' },
      room: 'general',
      causedBy: 'm-1',
      hops: 1,
    });
  });

  it('gives bots every room: messages and presence from all rooms, no greeting', async () => {
    const { url } = await startRelay({ botToken: TOKEN });
    const bot = await connectClient(url, { auth: { name: 'watcher', botToken: TOKEN } });
    const greeting = collectEvents(bot, 'sendMessageFromBack', 300);
    expect(await greeting).toEqual([]);
    const joined = waitForEvent<[PresenceEvent]>(bot, 'presence');
    const person = await connectClient(url, { auth: { name: 'ivan', room: 'random' } });
    expect((await joined)[0]).toMatchObject({
      type: 'join',
      room: 'random',
      user: { name: 'ivan', kind: 'user' },
    });
    const heard = waitForEvent<[string, { room: string }]>(bot, 'sendMessageFromBack', {
      filter: (content) => content === 'in random',
    });
    person.emit('sendMessage', 'in random');
    expect((await heard)[1].room).toBe('random');
  });

  it('refuses botMessage from people, and join/leave and bad options from bots', async () => {
    const { url } = await startRelay({ botToken: TOKEN });
    const person = await connectClient(url);
    const refused: SendAck = await person.emitWithAck('botMessage', 'fake', { room: 'lobby' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_FORBIDDEN' } });

    const bot = await connectClient(url, { auth: { name: 'strict', botToken: TOKEN } });
    const join: RoomAck = await bot.emitWithAck('join', 'general');
    expect(join).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_FORBIDDEN' } });
    const badHops: SendAck = await bot.emitWithAck('botMessage', 'x', { room: 'lobby', hops: -1 });
    expect(badHops).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_INVALID_OPTIONS' } });
    const badRoom: SendAck = await bot.emitWithAck('botMessage', 'x', { room: 'no spaces allowed' });
    expect(badRoom).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_INVALID_ROOM' } });
    const loop: SendAck = await bot.emitWithAck('botMessage', 'x', { room: 'lobby', causedBy: 'm', hops: 4 });
    expect(loop).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_LOOP_DETECTED' } });
  });

  it('makes up a bot token when none is configured, different at each start', async () => {
    const first = await startRelay();
    const second = await startRelay();
    expect(first.server.botToken.length).toBeGreaterThanOrEqual(16);
    expect(first.server.botToken).not.toBe(second.server.botToken);
    const bot = await connectClient(first.url, { auth: { name: 'inproc', botToken: first.server.botToken } });
    expect(bot.connected).toBe(true);
  });

  it('warns once per outage, not at every attempt, and says when it connects again', async () => {
    // Where the relay will be: first a port that takes each connection and drops it at once.
    const port = await freePort();
    const sockets: Socket[] = [];
    const refusing = createServer((socket) => {
      sockets.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => refusing.listen(port, '127.0.0.1', resolve));
    const capture = captureLogs();
    const connected: string[] = [];
    const bot = track(
      new BotConnection({
        url: `http://127.0.0.1:${port}`,
        token: TOKEN,
        name: 'patient',
        log: capture.logger,
        events: {
          connect: () => connected.push('connect'),
          disconnect: () => {},
          message: () => {},
          presence: () => {},
        },
      }),
      (b) => b.close(),
    );
    const opening = bot.open(20_000);
    const deadline = Date.now() + 10_000;
    while (sockets.length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sockets.length).toBeGreaterThanOrEqual(3);
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
    await startRelay({ botToken: TOKEN, port });
    await opening;
    expect(connected).toEqual(['connect']);
    const warned = capture.lines.filter((line) => String(line.msg).startsWith('bot could not connect'));
    expect(warned).toHaveLength(1);
    // Where it tried, for a wrong URL to show.
    expect(warned[0]?.url).toBe(`http://127.0.0.1:${port}`);
    const back = capture.lines.find((line) => line.msg === 'bot connected again after failed attempts');
    expect(back?.attempts).toBeGreaterThanOrEqual(3);
  }, 20_000);
});
