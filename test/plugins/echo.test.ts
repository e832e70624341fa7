import { createBotTestbed } from 'relaykit';
import { describe, expect, it } from 'vitest';
import echo from '../../plugins/echo.js';
import { track } from '../support/cleanup.js';

describe('echo plugin', () => {
  it('answers !echo text with the text, in the room it was asked in', async () => {
    const testbed = track(await createBotTestbed({ bots: [echo] }), (t) => t.close());
    const reply = await testbed.ask('!echo Hello John !', { room: 'general' });
    expect(reply.text).toBe('Hello John !');
    expect(reply.meta.from).toMatchObject({ name: 'echo', kind: 'bot' });
    expect(reply.meta.room).toBe('general');
    expect(reply.meta.hops).toBe(1);
  });

  it('explains its usage when there is nothing to repeat, and ignores other text', async () => {
    const testbed = track(await createBotTestbed({ bots: [echo] }), (t) => t.close());
    expect((await testbed.ask('!echo')).text).toBe('usage: !echo <text>');
    expect(await testbed.repliesTo('echo without the prefix')).toEqual([]);
  });
});
