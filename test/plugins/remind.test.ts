import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
    // Sent once, by the restarted host only, and then removed from the store.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(person.received.filter((m) => m.text.startsWith('⏰'))).toHaveLength(1);
    const after = JSON.parse(await readFile(path.join(storeDir, 'bot-store', 'remind.json'), 'utf8'));
    expect(after.reminders).toEqual([]);
  });

  it('explains its usage for a bad duration and refuses more than 7 days', async () => {
    const testbed = track(await createBotTestbed({ bots: [remind] }), (t) => t.close());
    expect((await testbed.ask('!remind soon do it')).text).toBe(
      'usage: !remind <duration> <text>, e.g. !remind 10m stand up',
    );
    expect((await testbed.ask('!remind 10m')).text).toMatch(/^usage:/);
    expect((await testbed.ask('!remind 8d far away')).text).toBe('I can remind you at most 7 days ahead.');
    expect((await testbed.ask('!remind 1h30m later')).text).toBe('OK tester, I will remind you in 1h30m.');
  });
});
