// help: `!help` lists every command of every bot running in this host, with its description;
// `!help NAME` shows one command. It answers privately: only the asker sees it, not the room.
import { defineBot } from 'relaykit';

// A long list goes out in a few messages, each within the relay's maxContentBytes; past these, the
// rest is counted rather than sent, so that one `!help` cannot flood the asker or the bot's rate limit.
const MAX_MESSAGES = 5;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** `text` cut to at most `max` UTF-8 bytes, whole characters, with "…" when cut. */
function clip(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let cut = '';
  for (const character of text) {
    if (bytes(`${cut}${character}…`) > max) break;
    cut += character;
  }
  return `${cut}…`;
}

/** The lines packed into messages of at most `max` bytes, at most MAX_MESSAGES of them. */
function pack(lines: readonly string[], max: number, prefix: string): string[] {
  const messages: string[] = [];
  let current = ['Commands:'];
  const fits = (parts: readonly string[]) => bytes(parts.join('\n')) <= max;
  for (const [index, raw] of lines.entries()) {
    const line = clip(raw, max - 1);
    if (fits([...current, line])) {
      current.push(line);
      continue;
    }
    if (messages.length === MAX_MESSAGES - 1) {
      // The last message says how many are left, making room for it if it must.
      let left = lines.length - index;
      const note = () => `… and ${left} more: ${prefix}help <command> shows one`;
      while (current.length > 1 && !fits([...current, note()])) {
        current.pop();
        left += 1;
      }
      messages.push([...current, note()].join('\n'));
      return messages;
    }
    messages.push(current.join('\n'));
    current = [line];
  }
  messages.push(current.join('\n'));
  return messages;
}

export default defineBot({
  name: 'help',
  description: 'Lists the commands of every bot',
  setup(bot) {
    bot.command(
      'help',
      { description: 'list the commands, or show one', usage: '[command]' },
      async (msg) => {
        const commands = bot.commands();
        const max = bot.limits.maxContentBytes;
        const wanted = msg.args[0]?.replace(bot.prefix, '').toLowerCase();
        if (wanted) {
          const command = commands.find((candidate) => candidate.name === wanted);
          await msg.replyPrivately(
            clip(
              command
                ? `${command.syntax} — ${command.description} (bot ${command.bot})`
                : `no command "${clip(wanted, 40)}"; ${bot.prefix}help lists them`,
              max,
            ),
          );
          return;
        }
        const lines = commands.map((command) => `${command.syntax} — ${command.description}`);
        for (const text of pack(lines, max, bot.prefix)) await msg.replyPrivately(text);
      },
    );
  },
});
