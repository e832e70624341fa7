// Closing while a bot is still starting: the close waits for the start, the start gives up, and no
// socket is left connected or reconnecting behind the host's back.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualBotScheduler } from '../../src/bots/manual-bot-scheduler.js';
import { BotHost, type BotHostOptions, defineBot } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { freePort } from '../support/free-port.js';
import { gate } from '../support/gate.js';
import { startRelay } from '../support/start-relay.js';
import { settle } from './start-testbed.js';

async function storeDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-race-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

/** A relay, and a bot host on it with `options`; `connections()` counts the engine.io connections made. */
async function relayWithHost(options: Pick<BotHostOptions, 'scheduler' | 'settings'>) {
  const { server, url } = await startRelay();
  let count = 0;
  server.io.engine.on('connection', () => {
    count += 1;
  });
  const host = track(
    new BotHost({
      url,
      token: server.botToken,
      logger: captureLogs().logger,
      cwd: await storeDir(),
      ...options,
    }),
    (h) => h.close(),
  );
  return { server, host, connections: () => count };
}

describe('closing while a bot starts', () => {
  it("closing the host during a bot's setup waits for it, runs its cleanup and never connects it", async () => {
    const scheduler = new ManualBotScheduler();
    const { server, host, connections } = await relayWithHost({ scheduler });
    const entered = gate();
    const release = gate();
    let cleanedUp = false;
    const slow = defineBot({
      name: 'slow',
      description: 'awaits in its setup',
      async setup(bot) {
        entered.open();
        await release.promise;
        // Registered after the host began closing: must be undone all the same.
        bot.command('slow', { description: 'late' }, (msg) => msg.reply('too late'));
        bot.every('*/5 * * * *', () => undefined, { name: 'late' });
        return () => {
          cleanedUp = true;
        };
      },
    });

    const starting = host.start(slow);
    const outcome = starting.then(
      () => 'started',
      (error: { code?: string }) => error.code,
    );
    await entered.promise;
    let closed = false;
    const closing = host.close().then(() => {
      closed = true;
    });
    await settle(100);
    expect(closed).toBe(false); // still waiting for the start in progress
    release.open();
    await closing;

    expect(await outcome).toBe('RELAY_ERR_SHUTTING_DOWN');
    expect(cleanedUp).toBe(true);
    expect(scheduler.ids()).toEqual([]);
    expect(host.commands()).toEqual([]);
    expect(host.bots()).toEqual([]);
    // A socket opened after the close would connect (and keep reconnecting) to this relay.
    await settle(1000);
    expect(connections()).toBe(0);
    expect(server.io.sockets.sockets.size).toBe(0);
  });

  it('closing the relay while its bot host is still connecting stops the reconnect attempts', async () => {
    // A port that takes each connection and drops it at once: socket.io-client keeps retrying.
    const attempts: Socket[] = [];
    const dropper = createServer((socket) => {
      attempts.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    track(dropper, (d) => new Promise((resolve) => d.close(resolve)));
    const { port } = dropper.address() as { port: number };

    const { server } = await startRelay();
    const host = new BotHost({
      url: `http://127.0.0.1:${port}`,
      token: server.botToken,
      logger: captureLogs().logger,
      cwd: await storeDir(),
      connectTimeoutMs: 20_000,
    });
    server.onPreClose(() => host.close());
    const starting = host.start(
      defineBot({ name: 'patient', description: 'keeps trying', setup: () => undefined }),
    );
    const outcome = starting.then(
      () => 'started',
      (error: { code?: string }) => error.code,
    );
    for (const deadline = Date.now() + 5000; attempts.length < 2 && Date.now() < deadline; ) await settle(50);
    expect(attempts.length).toBeGreaterThanOrEqual(2);

    const began = Date.now();
    await server.close();
    // Settled by the close, not by the 20 s connect timeout.
    expect(await outcome).toBe('RELAY_ERR_SHUTTING_DOWN');
    expect(Date.now() - began).toBeLessThan(10_000);
    const seen = attempts.length;
    await settle(1500); // several reconnection delays (250 ms, growing)
    expect(attempts.length).toBe(seen);
  });
});

describe('a bot the relay refuses after it started', () => {
  // A relay restarted with another bot token: socket.io-client does not retry a refused handshake, and
  // the bot stayed listed as running, connected to nothing, with one warning.
  it('is stopped, logged as an error, and no longer listed', { timeout: 20_000 }, async () => {
    const port = await freePort();
    const first = await startRelay({ port, botToken: 'first-bot-token-0123456789' });
    const { logger, lines } = captureLogs();
    const host = track(
      new BotHost({ url: first.url, token: 'first-bot-token-0123456789', logger, cwd: await storeDir() }),
      (h) => h.close(),
    );
    await host.start(defineBot({ name: 'steady', description: 'x', setup() {} }));
    expect(host.bots().map((bot) => bot.name)).toEqual(['steady']);
    await first.server.close();
    await startRelay({ port, botToken: 'second-bot-token-012345678' });
    await expect.poll(() => host.bots(), { timeout: 15_000 }).toEqual([]);
    expect(lines.find((line) => line.msg === 'the relay refused the bot for good')).toMatchObject({
      level: 50,
      code: 'RELAY_ERR_BOT_AUTH_FAILED',
    });
  });

  it('fails a bot whose setup never finishes at botSetupTimeoutMs, so that the host can close', async () => {
    const { host, connections } = await relayWithHost({ settings: { botSetupTimeoutMs: 200 } });
    const release = gate();
    let cleanedUp = false;
    let lateRegistration: unknown;
    const stuck = defineBot({
      name: 'stuck',
      description: 'awaits something that does not come',
      async setup(bot) {
        await release.promise;
        try {
          bot.command('stuck', { description: 'late' }, (msg) => msg.reply('too late'));
        } catch (error) {
          lateRegistration = error;
        }
        return () => {
          cleanedUp = true;
        };
      },
    });
    await expect(host.start(stuck)).rejects.toMatchObject({
      code: 'RELAY_ERR_PLUGIN_LOAD_FAILED',
      message: expect.stringContaining('did not finish within 200 ms'),
    });
    await host.close();
    // What the setup does once it goes on is refused, and the cleanup it returns runs.
    release.open();
    await expect.poll(() => cleanedUp).toBe(true);
    expect(lateRegistration).toMatchObject({ code: 'RELAY_ERR_SHUTTING_DOWN' });
    expect(connections()).toBe(0);
  });
});
