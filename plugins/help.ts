// help: `!help` lists every command of every bot running in this host, with its description;
// `!help NAME` shows one command. It answers privately: only the asker sees it, not the room.
import { defineBot } from 'relaykit';

export default defineBot({
  name: 'help',
  description: 'Lists the commands of every bot',
  setup(bot) {
    bot.command('help', { description: 'list the commands, or show one', usage: '[command]' }, (msg) => {
      const commands = bot.commands();
      const wanted = msg.args[0]?.replace(bot.prefix, '').toLowerCase();
      if (wanted) {
        const command = commands.find((candidate) => candidate.name === wanted);
        return msg.replyPrivately(
          command
            ? `${command.syntax} — ${command.description} (bot ${command.bot})`
            : `no command "${wanted}"; ${bot.prefix}help lists them`,
        );
      }
      const lines = commands.map((command) => `${command.syntax} — ${command.description}`);
      return msg.replyPrivately(['Commands:', ...lines].join('\n'));
    });
  },
});
