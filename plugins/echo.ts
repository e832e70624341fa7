// echo: `!echo text` answers `text`. The smallest useful bot; start here when writing your own.
import { defineBot } from 'relaykit';

export default defineBot({
  name: 'echo',
  description: 'Repeats what you ask it to',
  setup(bot) {
    bot.command('echo', { description: 'repeat the text', usage: '<text>' }, (msg) =>
      msg.reply(msg.rest === '' ? `usage: ${bot.prefix}echo <text>` : msg.rest),
    );
  },
});
