// The real Hubot Robot, with published scripts (hubot-diagnostics, hubot-help) and the fixtures'
// scripts, against a real relay through RelayKit's adapter.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunningHubot, type StartHubotOptions, startHubot } from '../../src/hubot/index.js';
import type { MessageContent, MessageMeta } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';
import { ask } from './ask-hubot.js';

const TOKEN = 'test-bot-token-0123456789';
const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');

async function relayWithHubot(options: Partial<StartHubotOptions> = {}) {
  const relay = await startRelay({ botToken: TOKEN, greeting: 'none' });
  const capture = captureLogs();
  const hubot = await runHubot(relay.url, capture.logger, options);
  return { ...relay, hubot, capture };
}

async function runHubot(
  url: string,
  logger: StartHubotOptions['logger'],
  options: Partial<StartHubotOptions>,
) {
  return track(
    await startHubot({
      url,
      token: TOKEN,
      name: 'hubot',
      logger,
      scripts: ['hubot-diagnostics', 'hubot-help', path.join(FIXTURES, 'scripts')],
      cwd: FIXTURES,
      ...options,
    }),
    (running: RunningHubot) => running.close(),
  );
}

/** The next message a bot sends that `client` sees, and its meta. */
function botSays(client: TestClient, expected?: (text: string) => boolean) {
  return waitForEvent<[MessageContent, MessageMeta]>(client, 'sendMessageFromBack', {
    filter: (content, meta) =>
      meta.from.kind === 'bot' && (expected === undefined || expected(String(content))),
  });
}

describe('Hubot adapter', () => {
  it('runs hubot-diagnostics in a room: PONG with the cause and one hop, adapter named relaykit', async () => {
    const { url } = await relayWithHubot();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const { answer, meta, asked } = await ask(alice, 'hubot ping');
    expect(answer).toBe('PONG');
    expect(meta).toMatchObject({
      room: 'general',
      causedBy: asked,
      hops: 1,
      from: { name: 'hubot', kind: 'bot' },
    });
    expect((await ask(alice, 'hubot adapter')).answer).toBe('relaykit');
    expect((await ask(alice, 'hubot echo a b c')).answer).toBe('a b c');
  });

  it("answers help from the scripts' Commands: headers (hubot-help), and help <query>", async () => {
    const { url } = await relayWithHubot();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const help = (await ask(alice, 'hubot help')).answer;
    expect(help).toContain('hubot ping - Reply with pong');
    expect(help).toContain('hubot help - Displays all of the help commands that this bot knows about.');
    expect(help).toContain('hubot remember <thing> - Keeps <thing> in the brain');
    const filtered = (await ask(alice, 'hubot help recall')).answer;
    expect(filtered).toBe('hubot recall - Says the thing kept');
  });

  it('answers respond addressed as "hubot ping", "@hubot ping", "hubot: ping", and by its alias', async () => {
    const { url } = await relayWithHubot({ alias: '/' });
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    for (const text of ['hubot ping', '@hubot ping', 'hubot: ping', 'hubot, ping', '/ping', '/ ping']) {
      expect((await ask(alice, text)).answer, text).toBe('PONG');
    }
    const quiet = collectEvents<[MessageContent, MessageMeta]>(alice, 'sendMessageFromBack', 300);
    alice.emit('sendMessage', 'ping');
    alice.emit('sendMessage', 'robot ping');
    expect((await quiet).filter(([, meta]) => meta.from.kind === 'bot')).toEqual([]);
  });

  it('hears, replies with the name, emotes, picks at random, and messages another room', async () => {
    const { url } = await relayWithHubot();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const bob = await connectClient(url, { auth: { name: 'bob', room: 'random' } });
    expect((await ask(alice, 'how are you?')).answer).toBe('alice: fine');
    expect((await ask(alice, 'hubot wave')).answer).toBe('*waves*');
    expect((await ask(alice, 'hubot pick')).answer).toBe('picked one');
    const elsewhere = botSays(bob, (text) => !text.startsWith('welcome'));
    await alice.emitWithAck('sendMessage', 'hubot announce random hello random');
    const [content, meta] = await elsewhere;
    expect(content).toBe('hello random');
    expect(meta).toMatchObject({ room: 'random', hops: 1 });
  });

  // Hubot's private answer is a send to the person's user id as the room: refused as an invalid room
  // for an anonymous person (after "I just replied to you in private."), and for a token's `sub` that
  // is a valid room name, published to a public room of that name.
  it("answers privately when a script sends to a person's user id, as hubot-help does", async () => {
    const { url } = await relayWithHubot();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const bob = await connectClient(url, { auth: { name: 'bob', room: 'general' } });
    const bobHeard: Array<[MessageContent, MessageMeta]> = [];
    bob.on('sendMessageFromBack', (content: MessageContent, meta: MessageMeta) => {
      // The fixtures' greeting aside.
      if (meta.from.kind === 'bot' && !String(content).startsWith('welcome')) bobHeard.push([content, meta]);
    });
    const before = process.env.HUBOT_HELP_REPLY_IN_PRIVATE;
    process.env.HUBOT_HELP_REPLY_IN_PRIVATE = '1';
    try {
      const help = botSays(alice, (text) => text.includes('ping'));
      await alice.emitWithAck('sendMessage', 'hubot help');
      const [content, meta] = await help;
      expect(content).toContain('hubot ping');
      expect(meta).toMatchObject({ room: 'general', to: expect.stringMatching(/^anon:/) });
    } finally {
      if (before === undefined) delete process.env.HUBOT_HELP_REPLY_IN_PRIVATE;
      else process.env.HUBOT_HELP_REPLY_IN_PRIVATE = before;
    }
    // Bob hears the public part, and then PONG, but not the help meant for Alice.
    const pong = botSays(bob, (text) => text === 'PONG');
    await alice.emitWithAck('sendMessage', 'hubot ping');
    await pong;
    expect(bobHeard.map(([content]) => content)).toEqual([
      'alice: I just replied to you in private.',
      'PONG',
    ]);
  });

  // A person whose user id is also a room's name (a token's sub, numeric ids): answers to messages in
  // that room went privately to that person.
  it('answers a message in its room even when a person has the room name as user id', async () => {
    const { url, hubot } = await relayWithHubot();
    hubot.robot.brain.userForId('general', { name: 'General Lee', kind: 'user' });
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const answer = await ask(alice, 'hubot ping');
    expect(answer.answer).toBe('PONG');
    expect(answer.meta.to).toBeUndefined();
    expect(answer.meta.room).toBe('general');
  });

  it('sends an object a script sends as object content, not as "[object Object]"', async () => {
    const { url } = await relayWithHubot();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const card = botSays(alice, (text) => !text.startsWith('welcome'));
    await alice.emitWithAck('sendMessage', 'hubot card');
    expect((await card)[0]).toEqual({ text: 'deploy done', title: 'Deploy' });
    // A reply of an object: no "alice: [object Object]".
    const reply = botSays(alice, (text) => !text.startsWith('welcome'));
    await alice.emitWithAck('sendMessage', 'hubot card reply');
    expect((await reply)[0]).toEqual({ text: 'for you' });
  });

  it('keeps what a script put on a user when the user speaks in another room', async () => {
    const { url } = await relayWithHubot();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    expect((await ask(alice, 'hubot tag me admin')).answer).toBe('tagged admin');
    expect((await alice.emitWithAck('join', 'random')).ok).toBe(true);
    expect((await ask(alice, 'hubot my tag')).answer).toBe('alice in random: admin');
  });

  it('answers in the room of the message, when the same user spoke in another room meanwhile', async () => {
    const { server, url } = await relayWithHubot();
    const a = await connectClient(url, { auth: { name: 'a', room: 'team-a' } });
    const b = await connectClient(url, { auth: { name: 'b', room: 'team-b' } });
    const inA = botSays(a, (text) => text.startsWith('noted'));
    const inB = botSays(b, (text) => text.startsWith('noted'));
    // A service announcing two deploys to two rooms at once: one user, two rooms, back to back.
    const ci = { id: 'ci', name: 'ci', kind: 'http' } as const;
    server.relay.publish('deploy api', { from: ci, room: 'team-a' });
    server.relay.publish('deploy web', { from: ci, room: 'team-b' });
    expect((await inA)[0]).toBe('noted deploy of api');
    expect((await inB)[0]).toBe('noted deploy of web');
  });

  it("cuts a text longer than the relay's maxContentBytes into pieces: at the limit one, one past it two", async () => {
    const relay = await startRelay({ botToken: TOKEN, greeting: 'none', maxContentBytes: 100 });
    await runHubot(relay.url, captureLogs().logger, { maxContentBytes: 100 });
    const alice = await connectClient(relay.url, { auth: { name: 'alice', room: 'general' } });
    const heard: Array<[MessageContent, MessageMeta]> = [];
    alice.on('sendMessageFromBack', (content, meta) => heard.push([content, meta]));
    const atLimit = await ask(alice, 'hubot bytes 100');
    const pastLimit = await ask(alice, 'hubot bytes 101');
    // The robot answers in order on one connection: once PONG is here, every piece before it is too.
    await ask(alice, 'hubot ping');
    const causedBy = (id: string) =>
      heard.filter(([, meta]) => meta.causedBy === id).map(([content]) => content);
    expect(causedBy(atLimit.asked)).toEqual(['a'.repeat(100)]);
    expect(causedBy(pastLimit.asked)).toEqual(['a'.repeat(100), 'a']);
  });

  // The pieces went out back to back: past the bot's rate limit the tail was refused and lost.
  it('sends every piece of a long text, each waiting its turn under the bot rate limit', async () => {
    const relay = await startRelay({
      botToken: TOKEN,
      greeting: 'none',
      maxContentBytes: 100,
      botRateLimit: { burst: 3, perSecond: 10 },
    });
    const capture = captureLogs();
    await runHubot(relay.url, capture.logger, { maxContentBytes: 100 });
    const alice = await connectClient(relay.url, { auth: { name: 'alice', room: 'general' } });
    const heard: Array<[MessageContent, MessageMeta]> = [];
    alice.on('sendMessageFromBack', (content, meta) => heard.push([content, meta]));
    const long = await ask(alice, 'hubot bytes 1000');
    await expect
      .poll(() => heard.filter(([, meta]) => meta.causedBy === long.asked).length, { timeout: 5000 })
      .toBe(10);
    const pieces = heard.filter(([, meta]) => meta.causedBy === long.asked).map(([content]) => content);
    expect(pieces.join('')).toBe('a'.repeat(1000));
    expect(capture.lines.filter((line) => line.msg === 'message not sent')).toEqual([]);
  });

  it('keeps robot.brain in the bot store across a restart of the robot', async () => {
    const storeDir = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-'));
    track(storeDir, (dir) => rm(dir, { recursive: true, force: true }));
    const relay = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const { logger } = captureLogs();
    const first = await runHubot(relay.url, logger, { storeDir });
    const alice = await connectClient(relay.url, { auth: { name: 'alice', room: 'general' } });
    expect((await ask(alice, 'hubot remember cake')).answer).toBe('remembered cake');
    expect((await ask(alice, 'hubot visit')).answer).toBe('visits 1');
    await first.close();

    const file = path.join(storeDir, 'bot-store', 'hubot-hubot.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { brain: { _private: unknown; users: object } };
    expect(saved.brain._private).toEqual({ thing: 'cake' });
    expect(Object.values(saved.brain.users)).toContainEqual(expect.objectContaining({ name: 'alice' }));

    await runHubot(relay.url, logger, { storeDir });
    expect((await ask(alice, 'hubot recall')).answer).toBe('recalled cake');
    expect((await ask(alice, 'hubot visit')).answer).toBe('visits 2');
  });

  it('closes, saying so, when the brain cannot be saved any more: no rejection, no unhandled one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-brain-'));
    track(dir, (d) => rm(d, { recursive: true, force: true }));
    const { hubot, capture } = await relayWithHubot({ storeDir: dir });
    hubot.robot.brain.set('thing', 'kept');
    await rm(path.join(dir, 'bot-store'), { recursive: true, force: true });
    await writeFile(path.join(dir, 'bot-store'), 'a file where the folder was');
    await hubot.close();
    expect(
      capture.find((line) => line.msg === 'the brain could not be saved; its last changes are lost'),
    ).toBeDefined();
  });

  it('keeps at most maxConnectionUsers users known by connection id, the most recent, also from a saved brain', async () => {
    const storeDir = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-'));
    track(storeDir, (dir) => rm(dir, { recursive: true, force: true }));
    const relay = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const { logger } = captureLogs();
    const first = await runHubot(relay.url, logger, { storeDir, maxConnectionUsers: 2 });
    const names = (hubot: RunningHubot) =>
      Object.values(hubot.robot.brain.users())
        .map((user) => user.name)
        .sort();
    for (const name of ['alice', 'bob']) {
      const person = await connectClient(relay.url, { auth: { name, room: 'general' } });
      expect((await ask(person, 'hubot ping')).answer).toBe('PONG');
    }
    expect(names(first)).toEqual(['alice', 'bob']);
    const carol = await connectClient(relay.url, { auth: { name: 'carol', room: 'general' } });
    expect((await ask(carol, 'hubot ping')).answer).toBe('PONG');
    expect(names(first)).toEqual(['bob', 'carol']);
    await first.close();

    const second = await runHubot(relay.url, logger, { storeDir, maxConnectionUsers: 1 });
    expect(names(second)).toEqual(['carol']);
  });

  it('refuses to start on a brain file that is not JSON, leaving it as it was', async () => {
    const storeDir = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-'));
    track(storeDir, (dir) => rm(dir, { recursive: true, force: true }));
    const file = path.join(storeDir, 'bot-store', 'hubot-hubot.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{ not json');
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    await expect(runHubot(url, captureLogs().logger, { storeDir })).rejects.toMatchObject({
      code: 'RELAY_ERR_HUBOT_BRAIN_UNAVAILABLE',
    });
    expect(await readFile(file, 'utf8')).toBe('{ not json');
  });

  it('turns presence into enter and leave', async () => {
    const { url } = await relayWithHubot();
    const watcher = await connectClient(url, { auth: { name: 'watcher', room: 'lobby' } });
    const greeted = botSays(watcher, (text) => text === 'welcome bob');
    const left = botSays(watcher, (text) => text.includes('left'));
    const bob = await connectClient(url, { auth: { name: 'bob', room: 'lobby' } });
    expect((await greeted)[0]).toBe('welcome bob');
    bob.disconnect();
    expect((await left)[0]).toBe('bob left lobby');
  });

  it('does not enter someone reconnecting (a resumed join, as after a relay restart)', async () => {
    const { url } = await relayWithHubot();
    const watcher = await connectClient(url, { auth: { name: 'watcher', room: 'lobby' } });
    const heard: string[] = [];
    watcher.on('sendMessageFromBack', (content) => heard.push(String(content)));
    await connectClient(url, { auth: { name: 'carol', room: 'lobby', resumed: true } });
    // A newcomer after her is entered: her join, before it, had its chance to be.
    const greeted = botSays(watcher, (text) => text === 'welcome dave');
    await connectClient(url, { auth: { name: 'dave', room: 'lobby' } });
    await greeted;
    await collectEvents(watcher, 'sendMessageFromBack', 200);
    expect(heard.filter((text) => text !== 'welcome watcher')).toEqual(['welcome dave']);
  });

  it('isolates a script that throws or rejects, and one that fails to load: logged, the robot goes on', async () => {
    const { url, hubot, capture } = await relayWithHubot({
      scripts: [
        'hubot-diagnostics',
        path.join(FIXTURES, 'scripts'),
        path.join(FIXTURES, 'broken-at-load.js'),
        path.join(FIXTURES, 'loads-broken.js'),
        'hubot-not-installed',
      ],
    });
    expect(hubot.failed).toEqual([
      path.join(FIXTURES, 'broken-at-load.js'),
      path.join(FIXTURES, 'loads-broken.js'),
      'hubot-not-installed',
    ]);
    expect(capture.find((line) => String(line.msg).includes('this script cannot load'))).toBeDefined();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    await alice.emitWithAck('sendMessage', 'hubot explode');
    await alice.emitWithAck('sendMessage', 'hubot reject');
    // The relay refuses the room: the send resolves and is logged, never an unhandled rejection.
    await alice.emitWithAck('sendMessage', 'hubot announce no%room hi');
    expect((await ask(alice, 'hubot ping')).answer).toBe('PONG');
    const logged = (text: string) => capture.find((line) => JSON.stringify(line).includes(text));
    expect(logged('boom from a script')).toBeDefined();
    expect(logged('rejection from a script')).toBeDefined();
    await expect
      .poll(() =>
        capture.find((line) => line.msg === 'message not sent' && line.code === 'RELAY_ERR_INVALID_ROOM'),
      )
      .toBeDefined();
  });

  it('follows files a package loads after its function returned: one answers, one that fails is reported', async () => {
    // Without following them, the broken file's rejection is unhandled: vitest fails the run on it.
    const later = path.join(FIXTURES, 'loads-later.js');
    const { url, hubot, capture } = await relayWithHubot({ scripts: ['hubot-diagnostics', later] });
    const brokenFile = path.join(FIXTURES, 'broken-at-load.js');
    await expect.poll(() => hubot.failed).toEqual([brokenFile]);
    expect(capture.find((line) => String(line.msg).includes('this script cannot load'))).toBeDefined();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    expect((await ask(alice, 'hubot late')).answer).toBe('loaded late, brain loaded');
    expect((await ask(alice, 'hubot ping')).answer).toBe('PONG');
  });

  it('loads an installed package whose exports have only an import entry, as Hubot itself would', async () => {
    const project = await mkdtemp(path.join(tmpdir(), 'relaykit-hubot-esm-'));
    track(project, (dir) => rm(dir, { recursive: true, force: true }));
    const pkg = path.join(project, 'node_modules', 'hubot-esm-only');
    await mkdir(pkg, { recursive: true });
    await writeFile(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: 'hubot-esm-only', type: 'module', exports: { '.': { import: './index.mjs' } } }),
    );
    await writeFile(
      path.join(pkg, 'index.mjs'),
      "export default (robot) => robot.respond(/esm$/i, (res) => res.send('from an ESM package'));\n",
    );
    const { url, hubot } = await relayWithHubot({
      scripts: ['hubot-esm-only'],
      cwd: project,
    });
    expect(hubot.failed).toEqual([]);
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    expect((await ask(alice, 'hubot esm')).answer).toBe('from an ESM package');
  });

  it('abandons a listener past handlerTimeoutMs: logged, its late send refused, other messages answered', async () => {
    const { url, capture } = await relayWithHubot({ handlerTimeoutMs: 200 });
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    await alice.emitWithAck('sendMessage', 'hubot hang');
    await alice.emitWithAck('sendMessage', 'hubot slow');
    expect((await ask(alice, 'hubot ping')).answer).toBe('PONG');
    await expect
      .poll(() => capture.lines.filter((line) => line.code === 'RELAY_ERR_BOT_HANDLER_TIMEOUT').length)
      .toBeGreaterThanOrEqual(2);
    await expect
      .poll(() =>
        capture.find(
          (line) => line.msg === 'message not sent' && line.code === 'RELAY_ERR_BOT_HANDLER_TIMEOUT',
        ),
      )
      .toBeDefined();
  });

  it('ignores its own messages and other bots by default, and hears bots with hearBots', async () => {
    const { url, server } = await relayWithHubot();
    const alice = await connectClient(url, { auth: { name: 'alice', room: 'general' } });
    const other = await connectClient(url, { auth: { name: 'other-bot', botToken: server.botToken } });
    const quiet = collectEvents<[MessageContent, MessageMeta]>(alice, 'sendMessageFromBack', 300);
    await other.emitWithAck('botMessage', 'hubot ping', { room: 'general' });
    expect((await quiet).filter(([, meta]) => meta.from.name === 'hubot')).toEqual([]);

    const { url: url2, server: server2 } = await relayWithHubot({ hearBots: true });
    const carol = await connectClient(url2, { auth: { name: 'carol', room: 'general' } });
    const bot = await connectClient(url2, { auth: { name: 'other-bot', botToken: server2.botToken } });
    const answered = botSays(carol, (text) => text === 'PONG');
    await bot.emitWithAck('botMessage', 'hubot ping', { room: 'general', causedBy: 'm-1', hops: 1 });
    expect((await answered)[1]).toMatchObject({ causedBy: expect.any(String), hops: 2 });
  });

  it('refuses to start with a wrong bot token, leaving nothing running', async () => {
    const { url } = await startRelay({ botToken: TOKEN, greeting: 'none' });
    const { logger } = captureLogs();
    await expect(
      startHubot({ url, token: 'not-the-token-at-all', name: 'hubot', logger, scripts: [] }),
    ).rejects.toMatchObject({ code: 'RELAY_ERR_BOT_AUTH_FAILED' });
  });
});
