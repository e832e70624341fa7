import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBotTestbed } from 'relaykit';
import { describe, expect, it } from 'vitest';
import remind from '../../plugins/remind.js';
import { track } from '../support/cleanup.js';

type Stored = { id: string; room: string; who: string; socket?: string; text: string; dueAt: number };

async function storeDir(): Promise<{ dir: string; file: string }> {
  const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-remind-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  return { dir, file: path.join(dir, 'bot-store', 'remind.json') };
}

/** A store file holding `reminders`, one key each as the bot keeps them. */
async function storeWith(reminders: Stored[]): Promise<{ dir: string; file: string }> {
  const where = await storeDir();
  await mkdir(path.dirname(where.file), { recursive: true });
  const entries = reminders.map((reminder) => [`reminder:${reminder.id}`, { socket: '', ...reminder }]);
  await writeFile(where.file, JSON.stringify(Object.fromEntries(entries)));
  return where;
}

/** Writes `file` as versions of the bot before one key per reminder kept it: one `reminders` array. */
async function writeLegacyStore(file: string, reminders: Stored[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ reminders }));
}

const saved = async (file: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
const storedCount = async (file: string) =>
  Object.keys(await saved(file)).filter((key) => key.startsWith('reminder:')).length;

const later = (who: string, index: number): Stored => ({
  id: `r${index}`,
  room: 'lobby',
  who,
  text: 'later',
  dueAt: Date.now() + 3_600_000,
});

describe('remind plugin', () => {
  it('reminds in the same room after the duration', async () => {
    const testbed = track(await createBotTestbed({ bots: [remind] }), (t) => t.close());
    const person = await testbed.user('Ola', { room: 'team' });
    const { id } = await person.say('!remind 1s stretch');
    const ack = await person.waitFor((m) => m.meta.causedBy === id);
    expect(ack.text).toBe('OK Ola, I will remind you in 1s.');
    const reminder = await person.waitFor((m) => m.text.startsWith('⏰'), { timeoutMs: 4000 });
    expect(reminder.text).toBe('⏰ Ola: stretch');
    expect(reminder.meta.room).toBe('team');
  });

  it("sends each person's reminder as no one's answer, not as an answer to another person's command", async () => {
    const testbed = track(await createBotTestbed({ bots: [remind] }), (t) => t.close());
    const ann = await testbed.user('Ann');
    const bob = await testbed.user('Bob');
    const asked = await ann.say('!remind 1s tea');
    await bob.say('!remind 2s coffee');
    const coffee = await bob.waitFor((m) => m.text === '⏰ Bob: coffee', { timeoutMs: 5000 });
    const tea = await ann.waitFor((m) => m.text === '⏰ Ann: tea', { timeoutMs: 5000 });
    expect(coffee.meta.causedBy).not.toBe(asked.id);
    expect([tea.meta.causedBy, coffee.meta.causedBy]).toEqual([undefined, undefined]);
  });

  it('survives a restart of the bot host, kept in its store file', async () => {
    const { dir, file } = await storeDir();
    const testbed = track(await createBotTestbed({ bots: [remind], storeDir: dir }), (t) => t.close());
    const person = await testbed.user('Pia');
    const { id } = await person.say('!remind 2s "water the plants"');
    await person.waitFor((m) => m.meta.causedBy === id);
    expect(await storedCount(file)).toBe(1);

    await testbed.restartBots();
    const reminder = await person.waitFor((m) => m.text.startsWith('⏰'), { timeoutMs: 5000 });
    expect(reminder.text).toBe('⏰ Pia: "water the plants"');
    // Removed from the store once sent, and sent once, by the restarted host only.
    await expect.poll(() => storedCount(file), { timeout: 3000 }).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // quiet window: no second reminder
    expect(person.received.filter((m) => m.text.startsWith('⏰'))).toHaveLength(1);
  });

  it('explains its usage for a bad duration and refuses more than 7 days', async () => {
    const testbed = track(await createBotTestbed({ bots: [remind] }), (t) => t.close());
    expect((await testbed.ask('!remind soon do it')).text).toBe(
      'usage: !remind <duration> <text>, e.g. !remind 10m stand up',
    );
    expect((await testbed.ask('!remind 10m')).text).toMatch(/^usage:/);
    expect((await testbed.ask('!remind 7d1s far away')).text).toBe('I can remind you at most 7 days ahead.');
    expect((await testbed.ask('!remind 7d just in time')).text).toBe('OK tester, I will remind you in 7d.');
    expect((await testbed.ask('!remind 1h30m later')).text).toBe('OK tester, I will remind you in 1h30m.');
  });

  // "⏰ tester: " is 12 bytes (⏰ is 3), so 4084 bytes of text make a reminder of exactly 4096.
  it('takes a reminder of exactly the largest message and delivers it; one byte more is refused when asked', async () => {
    const { dir, file } = await storeDir();
    const testbed = track(await createBotTestbed({ bots: [remind], storeDir: dir }), (t) => t.close());
    const tooLong = 'y'.repeat(4085);
    expect((await testbed.ask(`!remind 1s ${tooLong}`)).text).toBe(
      'tester, that reminder would be 4097 bytes as I send it ("⏰ tester: " included), over the 4096-byte limit; make it 1 byte shorter.',
    );
    const longest = 'x'.repeat(4084);
    expect((await testbed.ask(`!remind 1s ${longest}`)).text).toBe('OK tester, I will remind you in 1s.');
    expect(await storedCount(file)).toBe(1);
    const person = await testbed.user('watcher');
    const reminder = await person.waitFor((m) => m.text.startsWith('⏰'), { timeoutMs: 4000 });
    expect(reminder.text).toBe(`⏰ tester: ${longest}`);
    expect(Buffer.byteLength(reminder.text)).toBe(4096);
  });

  it("measures reminders against the relay's maxContentBytes when it is below 4096", async () => {
    const testbed = track(await createBotTestbed({ bots: [remind], relay: { maxContentBytes: 200 } }), (t) =>
      t.close(),
    );
    expect((await testbed.ask(`!remind 1m ${'x'.repeat(188)}`)).text).toBe(
      'OK tester, I will remind you in 1m.',
    );
    expect((await testbed.ask(`!remind 1m ${'x'.repeat(189)}`)).text).toMatch(
      /^tester, that reminder would be 201 bytes .* over the 200-byte limit; make it 1 byte shorter\.$/,
    );
  });

  // Kept as versions before one key per reminder kept them: it also shows that those are carried over.
  // Written while the bots are up and then read by a restart, so that someone is there to receive them.
  it('delivers 30 reminders falling due together, paced under the bot rate limit, and removes them', async () => {
    const { dir, file } = await storeDir();
    // Faster than the default (10 at once, 5 a second) so that the test is short; 30 is still 3 bursts.
    const relay = { botRateLimit: { burst: 10, perSecond: 20 } };
    const testbed = track(await createBotTestbed({ bots: [remind], storeDir: dir, relay }), (t) => t.close());
    const person = await testbed.user('watcher');
    const dueAt = Date.now();
    const reminders = Array.from({ length: 30 }, (_, index) => ({
      ...later('tester', index),
      dueAt,
      text: `n${index}`,
    }));
    await writeLegacyStore(file, reminders);
    await testbed.restartBots();
    const arrived = () => new Set(person.received.filter((m) => m.text.startsWith('⏰')).map((m) => m.text));
    await expect.poll(() => arrived().size, { timeout: 10_000 }).toBe(30);
    expect(arrived()).toEqual(new Set(reminders.map((reminder) => `⏰ tester: ${reminder.text}`)));
    await expect.poll(() => storedCount(file)).toBe(0);
    expect(await saved(file)).not.toHaveProperty('reminders');
    // Paced, not retried: the relay refused none of them.
    expect(testbed.logs.filter((line) => line.msg === 'message not sent')).toEqual([]);
  });

  it('removes a reminder the relay refuses for its size instead of trying it again at every start', async () => {
    const { dir, file } = await storeDir();
    const relay = { maxContentBytes: 200 };
    const testbed = track(await createBotTestbed({ bots: [remind], storeDir: dir, relay }), (t) => t.close());
    const person = await testbed.user('watcher');
    const dueAt = Date.now();
    // Kept when the relay allowed more than it does now.
    await writeLegacyStore(file, [
      { ...later('tester', 0), dueAt, text: 'y'.repeat(300) },
      { ...later('tester', 1), dueAt: dueAt + 1, text: 'fits' },
    ]);
    await testbed.restartBots();
    await person.waitFor((m) => m.text === '⏰ tester: fits');
    await expect.poll(async () => JSON.stringify(await saved(file))).not.toContain('y'.repeat(300));
    expect(await storedCount(file)).toBe(0);
    const dropped = (line: Record<string, unknown>) =>
      line.msg === 'reminder dropped: the relay refuses it' && line.code === 'RELAY_ERR_CONTENT_TOO_LARGE';
    expect(testbed.logs.filter(dropped)).toHaveLength(1);
    await testbed.restartBots();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(testbed.logs.filter((line) => line.msg === 'message not sent')).toHaveLength(1);
  });

  it('keeps at most 10 pending reminders per connection, and says so', async () => {
    // Quick answers: 12 in a row would run past the default bot rate limit.
    const relay = { botRateLimit: { burst: 50, perSecond: 50 } };
    const { dir, file } = await storeDir();
    const testbed = track(await createBotTestbed({ bots: [remind], storeDir: dir, relay }), (t) => t.close());
    for (let n = 1; n <= 10; n++) {
      expect((await testbed.ask(`!remind 10m number ${n}`)).text).toBe(
        'OK tester, I will remind you in 10m.',
      );
    }
    expect((await testbed.ask('!remind 10m number 11')).text).toBe(
      'tester, you already have 10 reminders pending from this connection, the most I keep for one; wait for one to go off first.',
    );
    expect(await storedCount(file)).toBe(10);
    // The same name on another connection is counted against the per-person limit instead.
    const again = await testbed.user('tester');
    const { id } = await again.say('!remind 10m from my phone');
    expect((await again.waitFor((m) => m.meta.causedBy === id)).text).toBe(
      'OK tester, I will remind you in 10m.',
    );
    expect(await storedCount(file)).toBe(11);
  });

  it('keeps at most 20 pending reminders per person, and says so', async () => {
    const { dir, file } = await storeWith(Array.from({ length: 19 }, (_, index) => later('tester', index)));
    const testbed = track(await createBotTestbed({ bots: [remind], storeDir: dir }), (t) => t.close());
    expect((await testbed.ask('!remind 10m the twentieth')).text).toBe(
      'OK tester, I will remind you in 10m.',
    );
    expect((await testbed.ask('!remind 10m one too many')).text).toBe(
      'tester, you already have 20 reminders pending, the most I keep for one person; wait for one to go off first.',
    );
    // Someone else still can.
    const ola = await testbed.user('Ola');
    const { id } = await ola.say('!remind 10m mine');
    expect((await ola.waitFor((m) => m.meta.causedBy === id)).text).toBe('OK Ola, I will remind you in 10m.');
    expect(await storedCount(file)).toBe(21);
  });

  it('keeps at most 1000 reminders in all, and says so', async () => {
    const { dir, file } = await storeWith(
      Array.from({ length: 999 }, (_, index) => later(`p${index}`, index)),
    );
    const testbed = track(await createBotTestbed({ bots: [remind], storeDir: dir }), (t) => t.close());
    expect((await testbed.ask('!remind 10m the thousandth')).text).toBe(
      'OK tester, I will remind you in 10m.',
    );
    expect((await testbed.ask('!remind 10m just one')).text).toBe(
      'I am already keeping 1000 reminders, the most I can hold; try again once some have gone off.',
    );
    expect(await storedCount(file)).toBe(1000);
  });
});
