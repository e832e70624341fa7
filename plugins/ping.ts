// ping: `!ping` answers `pong` with the time the message took from the relay to the bot.
import { defineBot } from 'relaykit';

export default defineBot({
  name: 'ping',
  description: 'Answers pong, to check that bots are alive',
  setup(bot) {
    bot.command('ping', { description: 'check that bots answer, and how fast' }, (msg) => {
      // meta.at is when the relay accepted the message; clocks are the same in-process.
      const latencyMs = Math.max(0, Date.now() - Date.parse(msg.meta.at));
      return msg.reply(`pong (${latencyMs} ms)`);
    });
  },
});
