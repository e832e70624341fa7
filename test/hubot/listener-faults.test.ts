// How a Hubot listener that fails is logged: one that holds the event loop past handlerTimeoutMs, and one
// that throws on every message, as a plugin's handler would be (docs/bots.md), against a real relay.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunningHubot, type StartHubotOptions, startHubot } from '../../src/hubot/index.js';
import { captureLogs, type LogLine } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { ask } from './ask-hubot.js';

const TOKEN = 'test-bot-token-0123456789';
const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');

async function relayWithFaults(options: Partial<StartHubotOptions> = {}) {
  // Alice sends more than a socket's burst of 20 events at once.
  const { url } = await startRelay({ botToken: TOKEN, greeting: 'none', rateLimit: false });
  const capture = captureLogs();
  const hubot = track(
    await startHubot({
      url,
      token: TOKEN,
      name: 'hubot',
      logger: capture.logger,
      scripts: ['hubot-diagnostics', path.join(FIXTURES, 'faults.js')],
      cwd: FIXTURES,
      ...options,
    }),
    (running: RunningHubot) => running.close(),
  );
  const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
  return { hubot, capture, alice };
}

const mentions = (lines: readonly LogLine[], text: string) =>
  lines.filter((line) => JSON.stringify(line).includes(text));

describe('Hubot listeners that fail', () => {
  // robot.receive awaits middleware before it calls a listener, so the listener ran in promise jobs
  // after the part of the handler that was timed: it was counted as done in time, and not logged.
  it('logs a listener that holds the event loop past handlerTimeoutMs once, with ranMs, as a plugin handler', async () => {
    const { hubot, capture, alice } = await relayWithFaults({ handlerTimeoutMs: 300 });
    // It never yields, so it cannot be abandoned: its answer goes out, as a plugin's would.
    const { answer, asked } = await ask(alice, 'hubot block 600');
    expect(answer).toBe('sent after blocking');
    const timedOut = () => capture.lines.filter((line) => line.code === 'RELAY_ERR_BOT_HANDLER_TIMEOUT');
    await expect.poll(() => timedOut().length, { timeout: 3000 }).toBe(1);
    expect(timedOut()[0]).toMatchObject({
      level: 40,
      bot: 'hubot',
      handler: 'hubot message',
      message: asked,
      timeoutMs: 300,
    });
    expect(Number(timedOut()[0]?.ranMs)).toBeGreaterThanOrEqual(600);
    // A message answered after it proves nothing more about it was on its way.
    expect((await ask(alice, 'hubot ping')).answer).toBe('PONG');
    expect(timedOut()).toHaveLength(1);
    // Blocking again within the episode is counted, not logged: the count comes when the robot stops.
    expect((await ask(alice, 'hubot block 400')).answer).toBe('sent after blocking');
    expect((await ask(alice, 'hubot ping')).answer).toBe('PONG');
    expect(timedOut()).toHaveLength(1);
    await hubot.close();
    expect(capture.lines.filter((line) => line.msg === 'handler failures ended')).toEqual([
      expect.objectContaining({ code: 'RELAY_ERR_BOT_HANDLER_TIMEOUT', handler: 'hubot message', failed: 2 }),
    ]);
  });

  it('logs a listener throwing on every message once per episode, typed, and a count when it ends', async () => {
    const { hubot, capture, alice } = await relayWithFaults();
    const errorsSeen = () => (hubot.robot.brain.get('errors seen') as string[] | undefined) ?? [];
    for (let i = 0; i < 20; i += 1) {
      expect(await alice.emitWithAck('sendMessage', 'hubot explode')).toMatchObject({ ok: true });
    }
    // The script's own robot.error handler still gets each error.
    await expect.poll(() => errorsSeen().length, { timeout: 5000 }).toBe(20);
    expect(mentions(capture.lines, 'boom from a script')).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'handler failed',
        code: 'RELAY_ERR_BOT_HANDLER_FAILED',
        bot: 'hubot',
        room: 'general',
        handler: expect.stringContaining('explode'),
        err: expect.objectContaining({ message: 'boom from a script' }),
      }),
    ]);
    // Hubot's own lines (Listener.call's, then invokeErrorHandlers') are not written besides.
    expect(mentions(capture.lines, 'Error executing listener callback')).toEqual([]);
    // Another listener failing meanwhile has an episode of its own: its first failure is said.
    expect(await alice.emitWithAck('sendMessage', 'hubot fizzle')).toMatchObject({ ok: true });
    await expect.poll(() => errorsSeen().length, { timeout: 3000 }).toBe(21);
    expect(mentions(capture.lines, 'fizzle from a script')).toHaveLength(1);
    expect((await ask(alice, 'hubot ping')).answer).toBe('PONG');
    await hubot.close();
    expect(capture.lines.filter((line) => line.msg === 'handler failures ended')).toEqual([
      expect.objectContaining({
        code: 'RELAY_ERR_BOT_HANDLER_FAILED',
        handler: expect.stringContaining('explode'),
        failed: 20,
      }),
    ]);
  });

  // Emitted from the adapter's wrapper, an 'error' listener's throw reached Listener.call, which logged
  // Hubot's untyped line and emitted the error again: robot.error handlers ran twice for one failure.
  it("contains a script's 'error' listener that throws: each failure is handled once", async () => {
    const { hubot, capture, alice } = await relayWithFaults({
      scripts: [path.join(FIXTURES, 'faults.js'), path.join(FIXTURES, 'error-listener-throws.js')],
    });
    const errorsSeen = () => (hubot.robot.brain.get('errors seen') as string[] | undefined) ?? [];
    expect(await alice.emitWithAck('sendMessage', 'hubot crash')).toMatchObject({ ok: true });
    await expect.poll(() => errorsSeen().length, { timeout: 3000 }).toBe(1);
    expect((await ask(alice, 'hubot block 1')).answer).toBe('sent after blocking');
    expect(errorsSeen()).toEqual(['crash from a script']);
    expect(mentions(capture.lines, 'Error executing listener callback')).toEqual([]);
    expect(mentions(capture.lines, 'the error listener broke')).toEqual([
      expect.objectContaining({ code: 'RELAY_ERR_BOT_HANDLER_FAILED', handler: 'hubot error listener' }),
    ]);
  });
});
