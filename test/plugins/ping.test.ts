import { createBotTestbed } from 'relaykit';
import { describe, expect, it } from 'vitest';
import ping from '../../plugins/ping.js';
import { track } from '../support/cleanup.js';

describe('ping plugin', () => {
  it('answers !ping with pong and a latency in ms', async () => {
    const testbed = track(await createBotTestbed({ bots: [ping] }), (t) => t.close());
    const reply = await testbed.ask('!ping');
    expect(reply.text).toMatch(/^pong \(\d+ ms\)$/);
    expect(reply.meta.from).toMatchObject({ name: 'ping', kind: 'bot' });
  });
});
