import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBotTestbed } from 'relaykit';
import { describe, expect, it } from 'vitest';
import remind from '../../plugins/remind.js';
import { track } from '../support/cleanup.js';

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

  it('survives a restart of the bot host, kept in its store file', async () => {
    const storeDir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-remind-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const testbed = track(await createBotTestbed({ bots: [remind], storeDir }), (t) => t.close());
    const person = await testbed.user('Pia');
    const { id } = await person.say('!remind 2s "water the plants"');
    await person.waitFor((m) => m.meta.causedBy === id);
    const saved = JSON.parse(await readFile(path.join(storeDir, 'bot-store', 'remind.json'), 'utf8'));
    expect(saved.reminders).toHaveLength(1);

    await testbed.restartBots();
    const reminder = await person.waitFor((m) => m.text.startsWith('⏰'), { timeoutMs: 5000 });
    expect(reminder.text).toBe('⏰ Pia: "water the plants"');
    // Removed from the store once sent, and sent once, by the restarted host only.
    const stored = async () =>
      JSON.parse(await readFile(path.join(storeDir, 'bot-store', 'remind.json'), 'utf8')).reminders;
    await expect.poll(stored, { timeout: 3000 }).toEqual([]);
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

  // The store is filled beforehand: asking hundreds of times would hit the relay's rate limit first.
  async function storeWith(reminders: Array<{ who: string }>): Promise<{ dir: string; file: string }> {
    const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-remind-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    const file = path.join(dir, 'bot-store', 'remind.json');
    await mkdir(path.dirname(file), { recursive: true });
    const dueAt = Date.now() + 3_600_000;
    const stored = reminders.map(({ who }, index) => ({
      id: `r${index}`,
      room: 'lobby',
      who,
      text: 'later',
      dueAt,
    }));
    await writeFile(file, JSON.stringify({ reminders: stored }));
    return { dir, file };
  }

  const storedCount = async (file: string) =>
    (JSON.parse(await readFile(file, 'utf8')) as { reminders: unknown[] }).reminders.length;

  it('keeps at most 20 pending reminders per person, and says so', async () => {
    const { dir, file } = await storeWith(Array.from({ length: 19 }, () => ({ who: 'tester' })));
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
    const { dir, file } = await storeWith(Array.from({ length: 999 }, (_, index) => ({ who: `p${index}` })));
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
