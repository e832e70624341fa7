import { createBotTestbed } from 'relaykit';
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
});
