import { createBotTestbed, defineBot } from 'relaykit';
import { describe, expect, it } from 'vitest';
import { track } from '../support/cleanup.js';
import { shippedPluginFiles } from '../support/shipped-plugins.js';

describe('help plugin', () => {
  it("lists every loaded bot's commands with their descriptions", async () => {
    const files = shippedPluginFiles();
    const testbed = track(await createBotTestbed({ bots: files }), (t) => t.close());
    const reply = await testbed.ask('!help');
    expect(reply.text.split('\n')).toEqual([
      'Commands:',
      '!echo <text> — repeat the text',
      '!help [command] — list the commands, or show one',
      '!ping — check that bots answer, and how fast',
      '!remind <duration> <text> — remind you of something later (e.g. 10m stand up)',
    ]);
  });

  it('answers privately: the asker gets it, the room does not see it, the history does not keep it', async () => {
    const testbed = track(await createBotTestbed({ bots: shippedPluginFiles() }), (t) => t.close());
    const bystander = await testbed.user('bystander');
    const reply = await testbed.ask('!help');
    // The room sees the question; the answer goes to the asker's userId only.
    const asked = await bystander.waitFor((message) => message.text === '!help');
    expect(reply.meta.to).toBe(asked.meta.from.userId);
    // A public answer asked for later reaches the bystander: the private one would have by then.
    const probe = await testbed.ask('!ping');
    await bystander.waitFor((message) => message.meta.id === probe.meta.id);
    expect(bystander.received.map((message) => message.text)).not.toContain(reply.text);
    const kept = await testbed.history();
    expect(kept.messages.map((message) => message.meta.id)).not.toContain(reply.meta.id);
  });

  it('shows one command, and says when there is no such command', async () => {
    const files = shippedPluginFiles();
    const testbed = track(await createBotTestbed({ bots: files }), (t) => t.close());
    expect((await testbed.ask('!help ping')).text).toBe(
      '!ping — check that bots answer, and how fast (bot ping)',
    );
    expect((await testbed.ask('!help !echo')).text).toBe('!echo <text> — repeat the text (bot echo)');
    expect((await testbed.ask('!help nope')).text).toBe('no command "nope"; !help lists them');
  });

  it('follows the configured prefix', async () => {
    const files = shippedPluginFiles();
    const testbed = track(await createBotTestbed({ bots: files, relay: { commandPrefix: '/' } }), (t) =>
      t.close(),
    );
    expect((await testbed.ask('/help')).text).toContain('/remind <duration> <text>');
  });

  it('splits a long list into messages within maxContentBytes, and counts what five cannot hold', async () => {
    const many = (count: number) =>
      defineBot({
        name: 'many',
        description: 'has many commands',
        setup(bot) {
          for (let i = 0; i < count; i++) {
            bot.command(
              `cmd-${i}`,
              { description: `does thing number ${i}, described at some length é` },
              () => {},
            );
          }
        },
      });
    const helpFile = shippedPluginFiles().filter((file) => file.endsWith('help.ts'));
    for (const [count, expected] of [
      [80, 2],
      [400, 5],
    ] as const) {
      const testbed = track(await createBotTestbed({ bots: [...helpFile, many(count)] }), (t) => t.close());
      const ann = await testbed.user('ann');
      await ann.say('!help');
      const fromHelp = () => ann.received.filter((m) => m.meta.from.name === 'help');
      await expect.poll(() => fromHelp().length).toBe(expected);
      const texts = fromHelp().map((m) => m.text);
      for (const text of texts) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
      const listed = texts
        .join('\n')
        .split('\n')
        .filter((line) => line.startsWith('!cmd-'));
      if (count === 80) expect(listed).toHaveLength(80);
      else
        expect(texts.at(-1)).toMatch(
          new RegExp(`… and ${count + 1 - listed.length} more: !help <command> shows one$`),
        );
    }
  });
});
