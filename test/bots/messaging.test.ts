// Bots over real sockets: hear, command, reply, rooms, what bots ignore, and who they appear as.
import { describe, expect, it } from 'vitest';
import { defineBot } from '../../src/index.js';
import { settle, startTestbed } from './start-testbed.js';

const parrot = defineBot({
  name: 'parrot',
  description: 'test bot',
  setup(bot) {
    bot.hear(/^my name is (\w+)$/i, (msg) => msg.reply(`hello ${msg.match[1]}`));
    bot.hear('good morning', (msg) => msg.reply('morning!'));
    bot.hear(/deploy (\w+)/gi, (msg) => msg.reply(`deploying ${msg.match[1]}`));
    bot.command('args', { description: 'show arguments', usage: '<words…>' }, (msg) =>
      msg.reply(JSON.stringify({ command: msg.command, args: msg.args, rest: msg.rest })),
    );
    bot.command('announce', { description: 'say something in a room', usage: '<room> <text>' }, (msg) =>
      bot.send(msg.rest.slice((msg.args[0] ?? '').length).trim(), { room: msg.args[0] ?? null }),
    );
  },
});

describe('bots hear, answer commands and reply', () => {
  it('hears a RegExp with captures and a string as a phrase, ignoring case', async () => {
    const testbed = await startTestbed({ bots: [parrot] });
    expect((await testbed.ask('My name is Ada')).text).toBe('hello Ada');
    expect((await testbed.ask('Well, GOOD MORNING everyone')).text).toBe('morning!');
    expect(await testbed.repliesTo('goodmorning')).toEqual([]);
    // A /g pattern still gives its captures, every time.
    expect((await testbed.ask('please deploy api')).text).toBe('deploying api');
    expect((await testbed.ask('deploy web now')).text).toBe('deploying web');
  });

  it('parses command arguments, quotes included, with the command case-insensitive', async () => {
    const testbed = await startTestbed({ bots: [parrot] });
    const reply = await testbed.ask('!ARGS one "two three" \'four\'');
    expect(JSON.parse(reply.text)).toEqual({
      command: 'args',
      args: ['one', 'two three', 'four'],
      rest: 'one "two three" \'four\'',
    });
    expect(await testbed.repliesTo('?args one')).toEqual([]);
    expect(await testbed.repliesTo('!unknown-command')).toEqual([]);
  });

  it('uses the configured command prefix', async () => {
    const testbed = await startTestbed({ bots: [parrot], relay: { commandPrefix: '/' } });
    expect(JSON.parse((await testbed.ask('/args x')).text).args).toEqual(['x']);
    expect(await testbed.repliesTo('!args x')).toEqual([]);
  });

  it('hears the text field of object content', async () => {
    const testbed = await startTestbed({ bots: [parrot] });
    expect((await testbed.ask({ text: 'my name is Grace', emoji: '👋' })).text).toBe('hello Grace');
  });

  it('replies in the room the message came from only, as kind bot with its cause', async () => {
    const testbed = await startTestbed({ bots: [parrot] });
    const elsewhere = await testbed.user('bob', { room: 'random' });
    const lobby = await testbed.user('carol');
    const reply = await testbed.ask('my name is Ada', { room: 'general' });
    expect(reply.meta.room).toBe('general');
    expect(reply.meta.from).toMatchObject({ kind: 'bot', name: 'parrot' });
    expect(reply.meta.causedBy).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.meta.hops).toBe(1);
    await settle();
    expect(elsewhere.received.filter((m) => m.meta.from.kind === 'bot')).toEqual([]);
    expect(lobby.received.filter((m) => m.meta.from.kind === 'bot')).toEqual([]);
  });

  it('sends to any room with bot.send', async () => {
    const testbed = await startTestbed({ bots: [parrot] });
    const general = await testbed.user('dave', { room: 'general' });
    const lobby = await testbed.user('erin');
    await lobby.say('!announce general deploy at noon');
    const heard = await general.waitFor((m) => m.meta.from.name === 'parrot');
    expect(heard.text).toBe('deploy at noon');
    expect(heard.meta.room).toBe('general');
  });

  it('hears messages in every routing mode, even when people only hear themselves', async () => {
    const testbed = await startTestbed({ bots: [parrot], relay: { routing: 'echo' } });
    expect((await testbed.ask('my name is Echo')).text).toBe('hello Echo');
  });
});

describe('what a bot ignores', () => {
  const talker = (name: string, hearBots = false) =>
    defineBot({
      name,
      description: 'says hello to whoever speaks',
      hearBots,
      setup(bot) {
        bot.on('message', (msg) => {
          if (msg.text.startsWith('hello')) return;
          return msg.reply(`hello ${msg.from.name}`);
        });
        bot.command(`speak-${name}`, { description: 'say something' }, () =>
          bot.send('something', { room: 'lobby' }),
        );
      },
    });

  it('ignores its own messages and, by default, other bots', async () => {
    const testbed = await startTestbed({ bots: [talker('first'), talker('second')] });
    const person = await testbed.user('eve');
    const { id } = await person.say('anyone?');
    for (const name of ['first', 'second']) {
      await person.waitFor((m) => m.meta.causedBy === id && m.meta.from.name === name);
    }
    const replies = person.received.filter((m) => m.meta.causedBy === id);
    expect(replies.map((m) => m.text).sort()).toEqual(['hello eve', 'hello eve']);
    // A bot says something that is not a hello: neither it nor the other bot answers that.
    await person.say('!speak-first');
    const spoken = await person.waitFor((m) => m.meta.from.name === 'first' && m.text === 'something');
    await settle(300); // quiet window: an answer to it would have arrived by now
    expect(person.received.filter((m) => m.meta.causedBy === spoken.meta.id)).toEqual([]);
  });

  it('hears other bots when hearBots is set', async () => {
    const testbed = await startTestbed({ bots: [talker('loud'), talker('listener', true)] });
    const person = await testbed.user('frank');
    await person.say('!speak-loud');
    const answer = await person.waitFor((m) => m.meta.from.name === 'listener' && m.text === 'hello loud');
    expect(answer.meta.hops).toBeGreaterThanOrEqual(1);
    // Hearing bots is not hearing itself.
    await person.say('!speak-listener');
    const own = await person.waitFor((m) => m.meta.from.name === 'listener' && m.text === 'something');
    await settle(300); // quiet window: an answer to its own message would have arrived by now
    expect(person.received.filter((m) => m.meta.causedBy === own.meta.id)).toEqual([]);
  });

  it("tells bots the relay's content and send-rate limits", async () => {
    const limits = defineBot({
      name: 'limits',
      description: 'test bot',
      setup(bot) {
        bot.command('limits', { description: 'show bot.limits' }, (msg) =>
          msg.reply(JSON.stringify(bot.limits)),
        );
      },
    });
    const defaults = await startTestbed({ bots: [limits] });
    expect(JSON.parse((await defaults.ask('!limits')).text)).toEqual({
      maxContentBytes: 4096,
      sendRate: { burst: 10, perSecond: 5 },
    });
    const tuned = await startTestbed({
      bots: [limits],
      relay: { maxContentBytes: 1000, botRateLimit: false },
    });
    expect(JSON.parse((await tuned.ask('!limits')).text)).toEqual({ maxContentBytes: 1000, sendRate: false });
  });
});
