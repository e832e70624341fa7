// remind: `!remind 10m stand up` posts "⏰ ann: stand up" in the same room ten minutes later.
// Durations: 30s, 10m, 2h, 1d, or combined (1h30m), up to 7 days. Reminders live in bot.store, so a
// restart of the bot host keeps them; one that fell due while the host was down is sent when it starts.
// Limits: at most MAX_PER_USER (20) pending reminders per person (by name) and MAX_TOTAL (1000) in all,
// so that nobody can grow the store file and the set of timers without bound; over a limit the command
// answers why and keeps nothing.
import { randomUUID } from 'node:crypto';
import { defineBot } from 'relaykit';

type Reminder = { id: string; room: string; who: string; text: string; dueAt: number };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_MS = 7 * 86_400_000;
const MAX_PER_USER = 20;
const MAX_TOTAL = 1000;

/** `1h30m` → 5400000; undefined when it is not a duration. */
function parseDuration(text: string): number | undefined {
  const parts = /^(?:\d+[smhd])+$/i.test(text) ? text.toLowerCase().match(/\d+[smhd]/g) : null;
  if (!parts) return undefined;
  return parts.reduce((total, part) => total + Number(part.slice(0, -1)) * (UNIT_MS[part.slice(-1)] ?? 0), 0);
}

export default defineBot({
  name: 'remind',
  description: 'Reminds you of something later, even across restarts',
  setup(bot) {
    const pending = (): Reminder[] => bot.store.get<Reminder[]>('reminders') ?? [];

    const arm = (reminder: Reminder) =>
      bot.later(Math.max(0, reminder.dueAt - Date.now()), async () => {
        await bot.send(`⏰ ${reminder.who}: ${reminder.text}`, { room: reminder.room });
        // Removed only once sent: a reminder that could not be sent is tried again at the next start.
        await bot.store.set(
          'reminders',
          pending().filter((other) => other.id !== reminder.id),
        );
      });

    for (const reminder of pending()) arm(reminder);

    bot.command(
      'remind',
      { description: 'remind you of something later (e.g. 10m stand up)', usage: '<duration> <text>' },
      async (msg) => {
        const when = msg.args[0] ?? '';
        const delayMs = parseDuration(when);
        const text = msg.rest.slice(when.length).trim();
        if (delayMs === undefined || delayMs <= 0 || text === '') {
          return msg.reply(
            `usage: ${bot.prefix}remind <duration> <text>, e.g. ${bot.prefix}remind 10m stand up`,
          );
        }
        if (delayMs > MAX_MS) return msg.reply('I can remind you at most 7 days ahead.');
        const all = pending();
        if (all.filter((other) => other.who === msg.from.name).length >= MAX_PER_USER) {
          return msg.reply(
            `${msg.from.name}, you already have ${MAX_PER_USER} reminders pending, the most I keep for one person; wait for one to go off first.`,
          );
        }
        if (all.length >= MAX_TOTAL) {
          return msg.reply(
            `I am already keeping ${MAX_TOTAL} reminders, the most I can hold; try again once some have gone off.`,
          );
        }
        const reminder: Reminder = {
          id: randomUUID(),
          room: msg.room ?? 'lobby',
          who: msg.from.name,
          text,
          dueAt: Date.now() + delayMs,
        };
        await bot.store.set('reminders', [...all, reminder]);
        arm(reminder);
        return msg.reply(`OK ${msg.from.name}, I will remind you in ${when}.`);
      },
    );
  },
});
