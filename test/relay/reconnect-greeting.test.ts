// Who is greeted (the relay's greeting) and welcomed (the shipped welcome bot): new people once, people
// reconnecting after a relay restart not again, and a client writing its own notice (auth.greet: false)
// never by its own greeting. Real relays on one port, restarted for real, real socket.io clients.
import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { createRelayClient } from '../../src/client/index.js';
import type { RelayServerOptions } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { openClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

const GREETING = 'New user connected';
const BOT_STORE = '.relaykit/test-reconnect-greeting-bots';
const DEADLINE = { timeout: 10_000 };
const welcome = (name: string) => `Welcome to general, ${name}!`;

/** Every `sendMessageFromBack` content a socket hears, as text, in order. */
function hearing(socket: {
  on(event: 'sendMessageFromBack', listener: (content: unknown) => void): unknown;
}) {
  const heard: string[] = [];
  socket.on('sendMessageFromBack', (content) => heard.push(String(content)));
  return heard;
}

/** The tutorial's client (default options: it reconnects by itself), in room general by its query. */
function seedClient(url: string, name: string, options: Partial<ManagerOptions & SocketOptions> = {}) {
  return track(io(url, { forceNew: true, query: { name, room: 'general' }, ...options }), (socket) =>
    socket.disconnect(),
  );
}

/** The tutorial's client (Sam) and the client kit (Kim), both in room general, with what each hears. */
function samAndKim(url: string) {
  const seed = seedClient(url, 'Sam');
  const kit = track(createRelayClient(url, { name: 'Kim', room: 'general' }), (c) => c.close());
  const kitHeard: string[] = [];
  kit.onMessage(({ content }) => kitHeard.push(String(content)));
  return { seed, seedHeard: hearing(seed), kit, kitHeard };
}

/** A relay with the shipped bots (welcome among them); `port` to restart one where it was. */
function startWithBots(options: RelayServerOptions = {}) {
  return startRelay({ plugins: 'plugins', botStoreDir: BOT_STORE, ...options });
}

describe('greeting and welcome across reconnections', () => {
  it('does not greet or welcome again the clients that reconnect after a restart; a newcomer still is', async () => {
    const first = await startWithBots();
    const port = Number(new URL(first.url).port);
    const { seed, seedHeard, kit, kitHeard } = samAndKim(first.url);
    await expect.poll(() => seedHeard, DEADLINE).toEqual(expect.arrayContaining([GREETING, welcome('Sam')]));
    await expect.poll(() => kitHeard, DEADLINE).toEqual(expect.arrayContaining([GREETING, welcome('Kim')]));

    const seedBack = waitForEvent(seed, 'connect', { timeoutMs: 10_000 });
    const kitBack = waitForEvent(kit.socket, 'connect', { timeoutMs: 10_000 });
    await first.server.close();
    const second = await startWithBots({ port });
    await Promise.all([seedBack, kitBack]);
    expect(seed.recovered).toBe(false);
    expect(kit.socket.recovered).toBe(false);
    const seedSince = seedHeard.length;
    const kitSince = kitHeard.length;

    // A new person after the restart is greeted and welcomed; the welcome reaches the room, so once the
    // reconnected clients hear it, the bot has had the reconnections' presence before it.
    const newcomer = seedClient(second.url, 'Neo');
    const newcomerHeard = hearing(newcomer);
    await expect
      .poll(() => newcomerHeard, DEADLINE)
      .toEqual(expect.arrayContaining([GREETING, welcome('Neo')]));
    await expect.poll(() => seedHeard.slice(seedSince), DEADLINE).toContain(welcome('Neo'));
    await expect.poll(() => kitHeard.slice(kitSince), DEADLINE).toContain(welcome('Neo'));
    await collectEvents(seed, 'sendMessageFromBack', 300);
    expect(seedHeard.slice(seedSince)).toEqual([welcome('Neo')]);
    expect(kitHeard.slice(kitSince)).toEqual([welcome('Neo')]);
  });

  it('with recovery off, spares the client kit (auth.resumed) and greets the seed client again, as the seed does', async () => {
    const first = await startRelay({ recoveryWindowMs: 0 });
    const port = Number(new URL(first.url).port);
    const { seed, seedHeard, kit, kitHeard } = samAndKim(first.url);
    await expect.poll(() => seedHeard, DEADLINE).toEqual([GREETING]);
    await expect.poll(() => kitHeard, DEADLINE).toEqual([GREETING]);

    const seedBack = waitForEvent(seed, 'connect', { timeoutMs: 10_000 });
    const kitBack = waitForEvent(kit.socket, 'connect', { timeoutMs: 10_000 });
    await first.server.close();
    await startRelay({ recoveryWindowMs: 0, port });
    await Promise.all([seedBack, kitBack]);
    await expect.poll(() => seedHeard, DEADLINE).toEqual([GREETING, GREETING]);
    await collectEvents(kit.socket, 'sendMessageFromBack', 300);
    expect(kitHeard).toEqual([GREETING]);
  });

  it('sends no greeting to a client that writes its own (auth.greet: false); the room still hears about it', async () => {
    const self = await startRelay();
    const quiet = openClient(self.url, { auth: { name: 'Pia', greet: false } });
    const quietHeard = hearing(quiet);
    await waitForEvent(quiet, 'connect');
    await collectEvents(quiet, 'sendMessageFromBack', 300);
    expect(quietHeard).toEqual([]);

    const all = await startRelay({ greeting: 'all' });
    const before = openClient(all.url, { auth: { name: 'Ada' } });
    expect((await waitForEvent<[string]>(before, 'sendMessageFromBack'))[0]).toBe(GREETING);
    const heardByBefore = waitForEvent<[string]>(before, 'sendMessageFromBack');
    const page = openClient(all.url, { auth: { name: 'Pia', greet: false } });
    const pageHeard = hearing(page);
    expect((await heardByBefore)[0]).toBe(GREETING);
    await collectEvents(page, 'sendMessageFromBack', 300);
    expect(pageHeard).toEqual([]);
  });
});
