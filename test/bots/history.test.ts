// bot.history(room, { limit }) over the bot's own socket, and the testbed's history().
import { describe, expect, it } from 'vitest';
import { defineBot } from '../../src/index.js';
import { startTestbed } from './start-testbed.js';

const summary = defineBot({
  name: 'summary',
  description: 'test bot',
  setup(bot) {
    bot.command('summary', { description: 'the last messages of the room' }, async (msg) => {
      const page = await bot.history(msg.room ?? 'lobby', { limit: 3 });
      await msg.reply(
        `${page.messages.map(({ content }) => String(content)).join(' | ')} (more: ${page.more})`,
      );
    });
    bot.command('badlimit', { description: 'asks for too much' }, async (msg) => {
      const code = await bot.history('lobby', { limit: 201 }).then(
        () => 'ok',
        (error: { code?: string }) => error.code,
      );
      await msg.reply(String(code));
    });
  },
});

describe('bot.history', () => {
  it('reads the newest messages of a room, oldest first, and the testbed reads them too', async () => {
    const testbed = await startTestbed({ bots: [summary] });
    const user = await testbed.user('ada', { room: 'ops' });
    for (const text of ['one', 'two', 'three', 'four']) await user.say(text);
    const reply = await testbed.ask('!summary', { room: 'ops' });
    expect(reply.text).toBe('three | four | !summary (more: true)');
    const page = await testbed.history('ops', { limit: 10 });
    expect(page.messages.map(({ content }) => content)).toEqual([
      'one',
      'two',
      'three',
      'four',
      '!summary',
      'three | four | !summary (more: true)',
    ]);
    expect((await testbed.ask('!badlimit')).text).toBe('RELAY_ERR_INVALID_OPTIONS');
  });
});
