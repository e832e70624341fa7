// remind: `!remind 10m stand up` posts "⏰ ann: stand up" in the same room ten minutes later.
// Durations: 30s, 10m, 2h, 1d, or combined (1h30m), up to 7 days. Reminders live in bot.store, one key
// each, so a restart of the bot host keeps them; one that fell due while the host was down is sent when
// it is back.
//
// Limits, so that nobody can grow the store, its file or the bot's memory without bound:
// - a reminder is at most MAX_BYTES (4096) bytes as it will be sent, "⏰ name: " included, and at most
//   the relay's maxContentBytes: one the relay could never take is refused when it is asked for;
// - at most PER_CONNECTION (10) pending reminders per connection, PER_NAME (20) per display name and
//   MAX_TOTAL (1000) in all. A bot sees no identity a client cannot multiply (display names are chosen
//   freely, connections are cheap), so the first two only make filling the store take 100 connections
//   instead of 50; what bounds memory is MAX_TOTAL reminders of at most MAX_BYTES each (a store file of
//   about 4.5 MB, under 10 MB in memory). Over a limit the command answers why and keeps nothing.
// Delivery: one timer, for the next reminder due. Due reminders are sent at half the bot's send rate,
// so that its answers to commands still get through when many fall due together, and removed once sent.
// One the relay refuses for what it is (too large, invalid) is removed and logged; one refused for now
// (rate limit, no connection) is tried again later, less often each time.
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { type BotContext, type BotLimits, type BotTimer, defineBot, type JsonValue } from 'relaykit';

type Reminder = { id: string; room: string; who: string; socket: string; text: string; dueAt: number };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_MS = 7 * 86_400_000;
const MAX_BYTES = 4096;
const PER_CONNECTION = 10;
const PER_NAME = 20;
const MAX_TOTAL = 1000;
const KEY = 'reminder:';
// Refusals that sending again cannot change.
const PERMANENT = new Set([
  'RELAY_ERR_CONTENT_TOO_LARGE',
  'RELAY_ERR_INVALID_CONTENT',
  'RELAY_ERR_INVALID_ROOM',
]);
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;
// bot.later's longest delay; waking up earlier than needed only means looking again.
const MAX_TIMER_MS = 2_147_483_647;

/** `1h30m` → 5400000; undefined when it is not a duration. */
function parseDuration(text: string): number | undefined {
  const parts = /^(?:\d+[smhd])+$/i.test(text) ? text.toLowerCase().match(/\d+[smhd]/g) : null;
  if (!parts) return undefined;
  return parts.reduce((total, part) => total + Number(part.slice(0, -1)) * (UNIT_MS[part.slice(-1)] ?? 0), 0);
}

/** The message a reminder is sent as. */
const delivered = (reminder: Pick<Reminder, 'who' | 'text'>) => `⏰ ${reminder.who}: ${reminder.text}`;

function isReminder(value: JsonValue | undefined): value is Reminder {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { id, room, who, socket, text, dueAt } = value;
  return (
    [id, room, who, socket, text].every((field) => typeof field === 'string') && typeof dueAt === 'number'
  );
}

/** A token bucket at half the bot's send rate: what reminders may spend of it. */
function pacer(rate: BotLimits['sendRate']): { take(): boolean; msUntilNext(): number } {
  if (!rate) return { take: () => true, msUntilNext: () => 0 };
  const burst = Math.max(1, Math.floor(rate.burst / 2));
  const perMs = rate.perSecond / 2000;
  let tokens = burst;
  let last = Date.now();
  const refill = () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + (now - last) * perMs);
    last = now;
  };
  return {
    take: () => {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    msUntilNext: () => {
      refill();
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / perMs);
    },
  };
}

/** Moves reminders kept by earlier versions (one `reminders` array) to a key each; drops unreadable ones. */
async function tidy(
  store: BotContext['store'],
  log: { warn(details: object, message: string): void },
): Promise<void> {
  const legacy = store.get('reminders');
  const writes: Array<Promise<unknown>> = [];
  let dropped = 0;
  for (const value of Array.isArray(legacy) ? legacy : []) {
    // They were kept without the connection that asked for them.
    const reminder =
      typeof value === 'object' && value !== null && !Array.isArray(value) ? { socket: '', ...value } : value;
    if (isReminder(reminder)) writes.push(store.set(KEY + reminder.id, reminder));
    else dropped += 1;
  }
  if (legacy !== undefined) writes.push(store.delete('reminders'));
  for (const [key, value] of store.entries()) {
    if (key.startsWith(KEY) && !isReminder(value)) {
      dropped += 1;
      writes.push(store.delete(key));
    }
  }
  if (dropped > 0) log.warn({ dropped }, 'reminders the store held in an unknown shape were dropped');
  await Promise.all(writes);
}

export default defineBot({
  name: 'remind',
  description: 'Reminds you of something later, even across restarts',
  async setup(bot) {
    await tidy(bot.store, bot.log);
    const maxBytes = Math.min(MAX_BYTES, bot.limits.maxContentBytes);
    const reminders = (): Reminder[] =>
      bot.store
        .entries()
        .flatMap(([key, value]) => (key.startsWith(KEY) && isReminder(value) ? [value] : []));
    const forget = (id: string) => bot.store.delete(KEY + id);

    const pace = pacer(bot.limits.sendRate);
    const sending = new Set<string>();
    let connected = false;
    let stopped = false;
    let timer: BotTimer | undefined;
    let wakeAt = Number.POSITIVE_INFINITY;
    let retryAt = 0;
    let retryMs = 0;

    // Sets the one timer to the next time something can be sent, unless it is set earlier already.
    // Bound to setup's context: called from a `!remind` handler, bot.later would take that command as
    // the cause of every reminder the one timer sends, other people's included.
    const plan = AsyncResource.bind(() => {
      if (stopped || !connected) return;
      let next = Number.POSITIVE_INFINITY;
      for (const reminder of reminders()) {
        if (!sending.has(reminder.id)) next = Math.min(next, reminder.dueAt);
      }
      if (next === Number.POSITIVE_INFINITY) return;
      const at = Math.max(next, retryAt, Date.now() + pace.msUntilNext());
      if (timer && wakeAt <= at) return;
      timer?.cancel();
      wakeAt = at;
      timer = bot.later(Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS), sendDue);
    });

    const sendDue = () => {
      timer = undefined;
      wakeAt = Number.POSITIVE_INFINITY;
      const now = Date.now();
      if (connected && now >= retryAt) {
        const due = reminders()
          .filter((reminder) => reminder.dueAt <= now && !sending.has(reminder.id))
          .sort((a, b) => a.dueAt - b.dueAt);
        for (const reminder of due) {
          if (!pace.take()) break;
          send(reminder);
        }
      }
      plan();
    };

    // Not awaited by sendDue: a send waits for the relay's ack, and a timer's handler must stay short.
    const send = (reminder: Reminder) => {
      sending.add(reminder.id);
      bot
        .send(delivered(reminder), { room: reminder.room })
        .then(
          () => {
            retryMs = 0;
            return forget(reminder.id);
          },
          (error: Error & { code?: string }) => {
            if (error.code !== undefined && PERMANENT.has(error.code)) {
              bot.log.warn(
                { code: error.code, reminder: reminder.id, room: reminder.room },
                'reminder dropped: the relay refuses it',
              );
              return forget(reminder.id);
            }
            retryMs = Math.min(Math.max(retryMs * 2, RETRY_MIN_MS), RETRY_MAX_MS);
            retryAt = Math.max(retryAt, Date.now() + retryMs);
            return undefined;
          },
        )
        .catch((error: unknown) => bot.log.error({ err: error }, 'saving the reminders failed'))
        .finally(() => {
          sending.delete(reminder.id);
          plan();
        });
    };

    bot.on('connect', () => {
      connected = true;
      plan();
    });
    bot.on('disconnect', () => {
      connected = false;
      timer?.cancel();
      timer = undefined;
      wakeAt = Number.POSITIVE_INFINITY;
    });

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
        const { name, id: socket } = msg.from;
        const bytes = Buffer.byteLength(delivered({ who: name, text }), 'utf8');
        if (bytes > maxBytes) {
          const over = bytes - maxBytes;
          return msg.reply(
            `${name}, that reminder would be ${bytes} bytes as I send it ("⏰ ${name}: " included), over the ${maxBytes}-byte limit; make it ${over} ${over === 1 ? 'byte' : 'bytes'} shorter.`,
          );
        }
        const all = reminders();
        if (all.filter((other) => other.socket === socket).length >= PER_CONNECTION) {
          return msg.reply(
            `${name}, you already have ${PER_CONNECTION} reminders pending from this connection, the most I keep for one; wait for one to go off first.`,
          );
        }
        if (all.filter((other) => other.who === name).length >= PER_NAME) {
          return msg.reply(
            `${name}, you already have ${PER_NAME} reminders pending, the most I keep for one person; wait for one to go off first.`,
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
          who: name,
          socket,
          text,
          dueAt: Date.now() + delayMs,
        };
        await bot.store.set(KEY + reminder.id, reminder);
        plan();
        return msg.reply(`OK ${name}, I will remind you in ${when}.`);
      },
    );

    return () => {
      stopped = true;
      timer?.cancel();
    };
  },
});
