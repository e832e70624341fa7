import { createBotTestbed } from 'relaykit';
import { describe, expect, it } from 'vitest';
import welcome from '../../plugins/welcome.js';
import { track } from '../support/cleanup.js';

const fromWelcome = (m: { meta: { from: { name: string } } }) => m.meta.from.name === 'welcome';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('welcome plugin', () => {
  it('greets people who join a room, in that room, but not in the lobby', async () => {
    const testbed = track(await createBotTestbed({ bots: [welcome] }), (t) => t.close());
    const kim = await testbed.user('Kim', { room: 'general' });
    expect((await kim.waitFor(fromWelcome)).text).toBe('Welcome to general, Kim!');

    const lee = await testbed.user('Lee');
    await pause(300);
    expect(lee.received.filter(fromWelcome)).toEqual([]);
    const joined = await lee.socket.emitWithAck('join', 'general');
    expect(joined.ok).toBe(true);
    const greeting = await lee.waitFor((m) => fromWelcome(m) && m.text.includes('Lee'));
    expect(greeting.meta.room).toBe('general');
    expect((await kim.waitFor((m) => fromWelcome(m) && m.text.includes('Lee'))).text).toBe(
      'Welcome to general, Lee!',
    );
  });

  it('uses its settings from the relay config: text and rooms', async () => {
    const testbed = track(
      await createBotTestbed({
        bots: [welcome],
        relay: { bots: { welcome: { text: 'Hi {name}, this is #{room}', rooms: ['lobby'] } } },
      }),
      (t) => t.close(),
    );
    const max = await testbed.user('Max');
    expect((await max.waitFor(fromWelcome)).text).toBe('Hi Max, this is #lobby');
    const ned = await testbed.user('Ned', { room: 'general' });
    await pause(300);
    expect(ned.received.filter(fromWelcome)).toEqual([]);
  });
});
