// Bots must not hurt the relay, each other or themselves: loops, throws, timeouts, floods, reconnection.
import { describe, expect, it, vi } from 'vitest';
import { defineBot } from '../../src/index.js';
import { gate } from '../support/gate.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { settle, startTestbed } from './start-testbed.js';

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const chatty = (name: string) =>
  defineBot({
    name,
    description: 'answers everything, bots included',
    hearBots: true,
    setup(bot) {
      bot.on('message', (msg) => msg.reply(`${name} heard ${msg.from.name}`));
    },
  });

const echo = defineBot({
  name: 'echo',
  description: 'test echo',
  setup(bot) {
    bot.command('echo', { description: 'repeat' }, (msg) => msg.reply(msg.rest));
  },
});

// Two bots answering each other, with maxBotHops 2: each answers the person (hop 1) and the other bot's
// answer (hop 2); both third answers (hop 3) are refused. Waits for all of that, then a quiet window for
// anything more.
async function expectLoopStopped(bots: ReturnType<typeof defineBot>[]): Promise<void> {
  const testbed = await startTestbed({ bots, relay: { maxBotHops: 2 } });
  const person = await testbed.user('gina');
  await person.say('hello bots');
  const refused = () =>
    testbed.logs.filter((line) => line.code === 'RELAY_ERR_LOOP_DETECTED' && line.msg === 'input refused')
      .length;
  const fromBots = () => person.received.filter((m) => m.meta.from.kind === 'bot');
  await vi.waitUntil(() => fromBots().length >= 4 && refused() >= 2, { timeout: 5000, interval: 20 });
  await settle(300);
  expect(
    fromBots()
      .map((m) => m.meta.hops)
      .sort(),
  ).toEqual([1, 1, 2, 2]);
  expect(refused()).toBe(2);
}

describe('loop prevention', () => {
  it('stops two bots that answer each other after maxBotHops hops', async () => {
    await expectLoopStopped([chatty('alice-bot'), chatty('bob-bot')]);
  });

  // A reply made from a bot.later callback carried no cause, so two bots answering each other later
  // never reached the hop limit: only the rate limit slowed them.
  it('counts hops for answers sent from bot.later, and stops the loop at maxBotHops', async () => {
    const patient = (name: string) =>
      defineBot({
        name,
        description: 'answers everything later, bots included',
        hearBots: true,
        setup(bot) {
          bot.on('message', (msg) => {
            bot.later(5, () => msg.reply(`${name} heard ${msg.from.name}`));
          });
        },
      });
    await expectLoopStopped([patient('alice-bot'), patient('bob-bot')]);
  });
});

describe('a handler still running when its bot stops', () => {
  it('cannot register a job or a timer that would outlive the bot', async () => {
    const registered: string[] = [];
    const slow = defineBot({
      name: 'slow',
      description: 'registers late',
      setup(bot) {
        bot.command('late', { description: 'waits, then registers' }, async () => {
          await settle(200);
          for (const [what, register] of [
            ['every', () => bot.every('* * * * *', () => {}, { name: 'feed' })],
            ['later', () => bot.later(10, () => {})],
            ['on', () => bot.on('message', () => {})],
          ] as const) {
            try {
              register();
              registered.push(`${what}: registered`);
            } catch (error) {
              registered.push(`${what}: ${(error as { code?: string }).code}`);
            }
          }
        });
      },
    });
    const testbed = await startTestbed({ bots: [slow] });
    const person = await testbed.user('gina');
    await person.say('!late');
    await settle(50);
    await testbed.host.stop('slow');
    await vi.waitUntil(() => registered.length === 3, { timeout: 5000, interval: 20 });
    expect(registered).toEqual([
      'every: RELAY_ERR_SHUTTING_DOWN',
      'later: RELAY_ERR_SHUTTING_DOWN',
      'on: RELAY_ERR_SHUTTING_DOWN',
    ]);
  });
});

describe('handlers that fail', () => {
  it('logs a throwing or rejecting handler with the bot name, counts it, and keeps every bot running', async () => {
    const grumpy = defineBot({
      name: 'grumpy',
      description: 'fails',
      setup(bot) {
        bot.command('boom', { description: 'throws' }, () => {
          throw new Error('sync boom');
        });
        bot.command('reject', { description: 'rejects' }, async () => {
          await settle(10);
          throw new Error('async boom');
        });
        bot.command('fine', { description: 'works' }, (msg) => msg.reply('still here'));
      },
    });
    const testbed = await startTestbed({ bots: [grumpy, echo] });
    expect(await testbed.repliesTo('!boom')).toEqual([]);
    expect(await testbed.repliesTo('!reject')).toEqual([]);
    expect((await testbed.ask('!fine')).text).toBe('still here');
    expect((await testbed.ask('!echo ok')).text).toBe('ok');
    const failures = testbed.logs.filter((line) => line.code === 'RELAY_ERR_BOT_HANDLER_FAILED');
    expect(
      failures.map((line) => [line.bot, line.handler, (line.err as { message: string }).message]),
    ).toEqual([
      ['grumpy', 'command !boom', 'sync boom'],
      ['grumpy', 'command !reject', 'async boom'],
    ]);
    expect(testbed.host.get('grumpy')?.stats).toMatchObject({ failed: 2, handled: 1 });
  });

  // One line a failure was one line a message for a handler that fails on each: a log flood.
  it('logs a handler failing on every message once per episode, and the count when the bot stops', async () => {
    const grumpy = defineBot({
      name: 'grumpy',
      description: 'fails',
      setup(bot) {
        bot.command('boom', { description: 'throws' }, () => {
          throw new Error('boom again');
        });
      },
    });
    const testbed = await startTestbed({ bots: [grumpy] });
    for (let i = 0; i < 5; i += 1) expect(await testbed.repliesTo('!boom')).toEqual([]);
    await vi.waitUntil(() => testbed.host.get('grumpy')?.stats.failed === 5, { timeout: 5000, interval: 20 });
    const failed = () => testbed.logs.filter((line) => line.code === 'RELAY_ERR_BOT_HANDLER_FAILED');
    expect(failed()).toEqual([expect.objectContaining({ msg: 'handler failed', handler: 'command !boom' })]);
    await testbed.host.stop('grumpy');
    expect(failed()).toEqual([
      expect.objectContaining({ msg: 'handler failed' }),
      expect.objectContaining({ msg: 'handler failures ended', handler: 'command !boom', failed: 5 }),
    ]);
  });

  it('abandons a handler that runs past the timeout: logged, counted, its late reply dropped', async () => {
    let aborted = false;
    let laterRefused: string | undefined;
    const finished = gate();
    const slowpoke = defineBot({
      name: 'slowpoke',
      description: 'slow',
      setup(bot) {
        bot.command('slow', { description: 'takes long' }, async (msg) => {
          await settle(700); // the handler's own slowness, past the 200 ms timeout
          aborted = msg.signal.aborted;
          await msg.reply('too late').catch(() => undefined);
          // Nor through a timer it sets now, which would run in a scope of its own.
          try {
            bot.later(0, () => msg.reply('too late, later'));
          } catch (error) {
            laterRefused = (error as { code?: string }).code;
          }
          finished.open();
        });
      },
    });
    const testbed = await startTestbed({ bots: [slowpoke], relay: { botHandlerTimeoutMs: 200 } });
    const person = await testbed.user();
    const { id } = await person.say('!slow');
    await within(finished.promise, 5000, 'the slow handler to finish');
    expect(aborted).toBe(true);
    expect(laterRefused).toBe('RELAY_ERR_BOT_HANDLER_TIMEOUT');
    await settle(300); // quiet window: the late reply would have arrived by now
    expect(person.received.filter((m) => m.meta.causedBy === id)).toEqual([]);
    const line = testbed.logs.find(
      (l) => l.code === 'RELAY_ERR_BOT_HANDLER_TIMEOUT' && l.handler === 'command !slow',
    );
    expect(line).toMatchObject({ bot: 'slowpoke', timeoutMs: 200 });
    expect(testbed.host.get('slowpoke')?.stats.timedOut).toBe(1);
  });
});

// The timer started once the handler's synchronous part returned, so that part never counted.
describe('a handler that does not yield', () => {
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {}
  };

  it('counts its synchronous part: busy, then awaiting, it is abandoned at the timeout', async () => {
    const finished = gate();
    const blocking = defineBot({
      name: 'blocking',
      description: 'busy',
      setup(bot) {
        bot.command('busy', { description: 'busy, then waits' }, async (msg) => {
          busy(400);
          await settle(50);
          await msg.reply('late').catch(() => undefined);
          finished.open();
        });
        bot.command('frozen', { description: 'busy only' }, () => busy(400));
      },
    });
    const testbed = await startTestbed({ bots: [blocking], relay: { botHandlerTimeoutMs: 300 } });
    const person = await testbed.user();
    const { id } = await person.say('!busy');
    await within(finished.promise, 5000, 'the busy handler to finish');
    expect(testbed.host.get('blocking')?.stats.timedOut).toBe(1);
    expect(person.received.filter((m) => m.meta.causedBy === id)).toEqual([]);
    // One that never yields cannot be abandoned: it is said, with how long it held the loop.
    await person.say('!frozen');
    await vi.waitUntil(() => testbed.host.get('blocking')?.stats.handled === 1, {
      timeout: 5000,
      interval: 20,
    });
    const line = testbed.logs.find((l) => l.handler === 'command !frozen');
    expect(line).toMatchObject({ code: 'RELAY_ERR_BOT_HANDLER_TIMEOUT', timeoutMs: 300 });
    expect(Number(line?.ranMs)).toBeGreaterThanOrEqual(400);
  });

  // Both were RELAY_ERR_BOT_HANDLER_FAILED of one handler: the late failure's warn line opened the
  // episode, and the real failure after it, at error, was only counted.
  it('logs a real failure after a late one of an abandoned handler', async () => {
    const blocking = defineBot({
      name: 'flaky',
      description: 'fails late, then at once',
      setup(bot) {
        bot.command('flaky', { description: 'fails' }, async (msg) => {
          if (msg.args[0] === 'late') await settle(500);
          throw new Error(`failed ${msg.args[0]}`);
        });
      },
    });
    const testbed = await startTestbed({ bots: [blocking], relay: { botHandlerTimeoutMs: 300 } });
    const person = await testbed.user();
    await person.say('!flaky late');
    const lateLine = () => testbed.logs.find((l) => l.msg === 'abandoned handler failed after its timeout');
    await vi.waitUntil(lateLine, { timeout: 5000, interval: 20 });
    await person.say('!flaky now');
    await vi.waitUntil(() => testbed.logs.find((l) => l.msg === 'handler failed'), {
      timeout: 5000,
      interval: 20,
    });
  });

  // Handlers of one message start in one loop: one that blocks must not be blamed on the others.
  it('blames the handler that held the loop, not the others of the same message', async () => {
    const blocking = defineBot({
      name: 'blocking',
      description: 'one of two blocks',
      setup(bot) {
        bot.on('message', async () => {
          await Promise.resolve();
        });
        bot.command('frozen', { description: 'busy only' }, () => busy(400));
      },
    });
    const testbed = await startTestbed({ bots: [blocking], relay: { botHandlerTimeoutMs: 300 } });
    const person = await testbed.user();
    await person.say('!frozen');
    await vi.waitUntil(() => testbed.host.get('blocking')?.stats.handled === 2, {
      timeout: 5000,
      interval: 20,
    });
    const timedOut = testbed.logs.filter((l) => l.code === 'RELAY_ERR_BOT_HANDLER_TIMEOUT');
    expect(timedOut.map((l) => l.handler)).toEqual(['command !frozen']);
  });
});

/**
 * A testbed whose bot `flood`, asked `!flood`, sends `count` messages at once through a bucket of 3;
 * resolves once they all settled, with each send's outcome ('ok' or the refusal's code).
 */
async function flood(count: number) {
  const outcomes: string[] = [];
  const flooded = gate();
  const bot = defineBot({
    name: 'flood',
    description: 'sends a lot',
    setup(scope) {
      scope.command('flood', { description: `send ${count} messages` }, async () => {
        const results = await Promise.allSettled(
          Array.from({ length: count }, (_, i) => scope.send(`message ${i}`, { room: 'lobby' })),
        );
        for (const r of results) {
          outcomes.push(r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code);
        }
        flooded.open();
      });
    },
  });
  const testbed = await startTestbed({ bots: [bot], relay: { botRateLimit: { burst: 3, perSecond: 0.1 } } });
  await (await testbed.user()).say('!flood');
  await within(flooded.promise, 5000, 'the flood command to finish');
  return { testbed, outcomes };
}

describe('per-bot send rate limit', () => {
  it('refuses what a bot sends past its bucket with RELAY_ERR_RATE_LIMITED', async () => {
    const { outcomes } = await flood(6);
    expect(outcomes).toEqual([
      'ok',
      'ok',
      'ok',
      'RELAY_ERR_RATE_LIMITED',
      'RELAY_ERR_RATE_LIMITED',
      'RELAY_ERR_RATE_LIMITED',
    ]);
  });
});

describe('reconnection', () => {
  it('reconnects after the connection drops without registering its handlers twice', async () => {
    let runs = 0;
    let connects = 0;
    const counter = defineBot({
      name: 'counter',
      description: 'counts',
      setup(bot) {
        bot.on('connect', () => {
          connects += 1;
        });
        bot.command('count', { description: 'count runs' }, (msg) => {
          runs += 1;
          return msg.reply(`run ${runs}`);
        });
      },
    });
    const testbed = await startTestbed({ bots: [counter] });
    expect((await testbed.ask('!count')).text).toBe('run 1');

    for (let drop = 1; drop <= 2; drop += 1) {
      const serverSide = [...testbed.server.io.sockets.sockets.values()].find((s) => s.data.kind === 'bot');
      expect(serverSide).toBeDefined();
      const reconnected = waitForEvent(testbed.server.io, 'connection', {
        timeoutMs: 5000,
        filter: (socket: unknown) => (socket as { data: { kind: string } }).data.kind === 'bot',
      });
      serverSide?.conn.close(); // a transport drop, as a network cut would cause
      await reconnected;
      // Connected again on the bot's side too, not only the relay's.
      await vi.waitUntil(() => connects === drop + 1, { timeout: 5000, interval: 20 });
    }

    const person = await testbed.user();
    const { id } = await person.say('!count');
    expect((await person.waitFor((m) => m.meta.causedBy === id)).text).toBe('run 2');
    await settle(300); // quiet window: a handler registered twice would answer twice
    expect(person.received.filter((m) => m.meta.causedBy === id)).toHaveLength(1);
    expect(runs).toBe(2);
    expect(connects).toBe(3);
    expect(testbed.logs.filter((l) => l.msg === 'bot connected' && l.bot === 'counter')).toHaveLength(3);
  });

  it('survives a question to the relay that fails with nobody awaiting it', async () => {
    // A room a person typed, asked about and not awaited: the rejection used to be unhandled, which
    // ends the relay's process (vitest fails the run on it).
    const who = defineBot({
      name: 'who',
      description: 'asks about a room',
      setup(bot) {
        bot.command('who', { description: 'who is in a room' }, (msg) => {
          void bot.members(msg.rest);
          void bot.history(msg.rest, { limit: 1 });
        });
      },
    });
    const testbed = await startTestbed({ bots: [who, echo] });
    const person = await testbed.user('gina');
    await person.say('!who not a room !!');
    expect((await person.ask('!echo still here')).content).toBe('still here');
  });

  // One send over 64 KiB (socket.io's maxHttpBufferSize) dropped the bot's connection, and content
  // JSON cannot encode failed in the encoder: both came back as "did not acknowledge", with no code.
  it('refuses oversized and unencodable content before sending it, and stays connected', async () => {
    let codes: string[] = [];
    const done = gate();
    const odd = defineBot({
      name: 'odd',
      description: 'sends what cannot go',
      setup(bot) {
        bot.command('odd', { description: 'three bad replies' }, async (msg) => {
          const cyclic: Record<string, unknown> = { a: 1 };
          cyclic.self = cyclic;
          const results = await Promise.allSettled([
            msg.reply('x'.repeat(1 << 20)),
            msg.reply(cyclic as never),
            msg.reply({ n: 1n } as never),
          ]);
          codes = results.map((r) =>
            r.status === 'fulfilled' ? 'ok' : String((r.reason as { code?: string }).code),
          );
          done.open();
        });
      },
    });
    const testbed = await startTestbed({ bots: [odd, echo] });
    const person = await testbed.user('gina');
    await person.say('!odd');
    await within(done.promise, 5000, 'the odd command to finish');
    expect(codes).toEqual([
      'RELAY_ERR_CONTENT_TOO_LARGE',
      'RELAY_ERR_INVALID_CONTENT',
      'RELAY_ERR_INVALID_CONTENT',
    ]);
    expect(testbed.logs.filter((line) => line.msg === 'client disconnected')).toEqual([]);
    expect((await person.ask('!echo still here')).content).toBe('still here');
  });

  // 2 000 refused replies were 2 000 warn lines: one per episode now, and a summary when it ends.
  it('logs a flood of refused sends once, with a summary of the count', async () => {
    const { testbed } = await flood(50);
    await testbed.host.stop('flood');
    const fromBot = testbed.logs.filter((line) => line.bot === 'flood');
    expect(fromBot.filter((line) => line.msg === 'message not sent')).toHaveLength(1);
    expect(fromBot.filter((line) => line.msg === 'messages not sent ended')).toEqual([
      expect.objectContaining({ code: 'RELAY_ERR_RATE_LIMITED', failed: 47 }),
    ]);
  });

  it('logs a reply the relay refuses once, not again as a handler failure', async () => {
    const big = defineBot({
      name: 'big',
      description: 'answers too much',
      setup(bot) {
        bot.command('big', { description: 'a reply over maxContentBytes' }, (msg) =>
          msg.reply('x'.repeat(bot.limits.maxContentBytes + 1)),
        );
      },
    });
    const testbed = await startTestbed({ bots: [big, echo] });
    const person = await testbed.user('gina');
    await person.say('!big');
    await vi.waitUntil(() => testbed.host.get('big')?.stats.failed === 1, { timeout: 5000, interval: 20 });
    const fromBot = testbed.logs.filter((line) => line.bot === 'big');
    expect(fromBot.filter((line) => line.msg === 'message not sent')).toHaveLength(1);
    expect(fromBot.filter((line) => line.msg === 'handler failed')).toEqual([]);
  });
});
