// The bot testbed is what a project's own bot tests run on: it must leave the project as it was.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBotTestbed, defineBot } from '../../src/index.js';

describe('createBotTestbed', () => {
  // Its relay kept the hooks and webhooks stores in the working directory's .relaykit/: every run of a
  // project's bot tests wrote (and shared) .relaykit/hooks.db and webhooks.db there; and a store's
  // settings given without its file brought the default file back.
  it('writes nothing in the working directory', async () => {
    const project = mkdtempSync(path.join(tmpdir(), 'relaykit-project-'));
    const before = process.cwd();
    process.chdir(project);
    try {
      const bot = defineBot({
        name: 'hi',
        description: 'says hi',
        setup(b) {
          b.command('hi', { description: 'says hi' }, (m) => m.reply('hi'));
        },
      });
      // Settings of a store but not its file: the store still stays in memory.
      const testbed = await createBotTestbed({
        bots: [bot],
        relay: { scheduler: { missedRunGraceMs: 0 }, webhooks: { maxEndpoints: 5 } },
      });
      try {
        expect((await testbed.ask('!hi')).text).toBe('hi');
      } finally {
        await testbed.close();
      }
      expect(existsSync(path.join(project, '.relaykit'))).toBe(false);
    } finally {
      process.chdir(before);
      rmSync(project, { recursive: true, force: true });
    }
  });
});
