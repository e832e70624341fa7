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
