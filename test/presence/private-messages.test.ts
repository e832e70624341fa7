// Private messages: every connection of one user, nobody else, never in the history.
import { describe, expect, it } from 'vitest';
import type { MessageMeta, SendAck } from '../../src/index.js';
import { defineBot } from '../../src/index.js';
import { startTestbed } from '../bots/start-testbed.js';
import { actAsUsers } from '../support/act-as-user.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

type Heard = [unknown, MessageMeta];
const SERVICE = { id: 'ops', name: 'ops', kind: 'http' } as const;

describe('private messages', () => {
  it('reach every tab of the user, in any room, and nobody else; the history does not keep them', async () => {
    const { server, url } = await startRelay({ greeting: 'none', botToken: 'private-bot-token-0123456789' });
    actAsUsers(server);
    const tab1 = await connectClient(url, { auth: { name: 'zoe', room: 'ops', testUserId: 'u-zoe' } });
    const tab2 = await connectClient(url, { auth: { name: 'zoe', room: 'random', testUserId: 'u-zoe' } });
    const bob = await connectClient(url, { auth: { name: 'bob', room: 'ops' } });
    const bot = await connectClient(url, { auth: { name: 'spy', botToken: 'private-bot-token-0123456789' } });
    const othersHear = [
      collectEvents<Heard>(bob, 'sendMessageFromBack', 800),
      collectEvents<Heard>(bot, 'sendMessageFromBack', 800),
    ];

    const heard = [tab1, tab2].map((tab) => waitForEvent<Heard>(tab, 'sendMessageFromBack'));
    const { id, meta } = server.relay.publish('for zoe only', { from: SERVICE, room: 'ops', to: 'u-zoe' });
    for (const [content, got] of await Promise.all(heard)) {
      expect(content).toBe('for zoe only');
      expect(got).toMatchObject({ id, to: 'u-zoe', room: 'ops', from: { userId: 'http:ops' } });
    }
    expect(meta.to).toBe('u-zoe');
    for (const silent of othersHear) expect(await silent).toEqual([]);
    const history = await server.relay.readHistory({ room: 'ops', limit: 50 });
    expect(history.messages.map((message) => message.meta.id)).not.toContain(id);
  });

  // A private message needs no storing and went out at once, ahead of the room message its sender
  // published just before it (which waits for its commit): a bot's answer, then its private follow-up.
  it("keeps a sender's order: a private message after a room message arrives after it", async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    const ann = await connectClient(url, { auth: { name: 'ann' } });
    const heard: unknown[] = [];
    ann.on('sendMessageFromBack', (content) => heard.push(content));
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    const userId = `anon:${ann.id}`;
    for (let i = 0; i < 3; i += 1) {
      server.relay.publish(`room ${i}`, { from, room: 'lobby' });
      server.relay.publish(`private ${i}`, { from, room: 'lobby', to: userId });
    }
    await expect.poll(() => heard.length).toBe(6);
    expect(heard).toEqual(['room 0', 'private 0', 'room 1', 'private 1', 'room 2', 'private 2']);
  });

  it('refuses a bad user id, and a delivery mode that does not apply', () => {
    return startRelay({ greeting: 'none' }).then(({ server }) => {
      const refused = (to: unknown, extra = {}) => {
        try {
          server.relay.publish('x', { from: SERVICE, to: to as string, ...extra });
        } catch (error) {
          return (error as { code: string }).code;
        }
        return 'accepted';
      };
      expect(refused('x'.repeat(200))).toBe('accepted');
      expect(refused('x'.repeat(201))).toBe('RELAY_ERR_INVALID_USER_ID');
      expect(refused('')).toBe('RELAY_ERR_INVALID_USER_ID');
      expect(refused('bad\nid')).toBe('RELAY_ERR_INVALID_USER_ID');
      expect(refused(42)).toBe('RELAY_ERR_INVALID_USER_ID');
      expect(refused('u', { delivery: 'echo', socketId: 'abc' })).toBe('RELAY_ERR_INVALID_OPTIONS');
    });
  });

  it('lets a bot answer privately with msg.replyPrivately, kept out of the history, and refuses a bad to', async () => {
    const whisper = defineBot({
      name: 'whisper',
      description: 'answers privately',
      setup(bot) {
        bot.command('secret', { description: 'tells you a secret' }, (msg) => msg.replyPrivately('42'));
      },
    });
    const testbed = await startTestbed({ bots: [whisper] });
    const ann = await testbed.user('ann');
    const bob = await testbed.user('bob');
    const bobHears = collectEvents<Heard>(bob.socket, 'sendMessageFromBack', 800);
    const { id } = await ann.say('!secret');
    const reply = await ann.waitFor((message) => message.meta.causedBy === id);
    expect(reply.text).toBe('42');
    expect(reply.meta).toMatchObject({ to: `anon:${ann.socket.id}`, room: 'lobby', from: { kind: 'bot' } });
    expect((await bobHears).map(([content]) => content)).toEqual(['!secret']);
    const kept = await testbed.history('lobby');
    expect(kept.messages.map((message) => message.content)).toEqual(['!secret']);

    // A bot connection addressing a bad user id is refused like any bad option.
    const raw = await connectClient(testbed.url, {
      auth: { name: 'raw', botToken: testbed.server.botToken },
    });
    const answer = (await raw.emitWithAck('botMessage', 'x', { to: '' })) as SendAck;
    expect(answer).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_INVALID_USER_ID' } });
  });

  it('lets a bot list who is online with bot.members', async () => {
    const who = defineBot({
      name: 'who',
      description: 'lists who is online',
      setup(bot) {
        bot.command('who', { description: 'who is here' }, async (msg) => {
          try {
            const { members, total } = await bot.members(msg.args[0] ?? msg.room ?? 'lobby');
            return msg.reply(`${total}: ${members.map((member) => member.name).join(', ')}`);
          } catch (error) {
            return msg.reply(`refused: ${(error as { code?: string }).code}`);
          }
        });
      },
    });
    const testbed = await startTestbed({ bots: [who] });
    await testbed.user('carol', { room: 'ops' });
    expect((await testbed.ask('!who', { room: 'ops' })).text).toBe('2: carol, tester');
    expect((await testbed.ask('!who lobby', { room: 'ops' })).text).toBe('0: ');
    expect((await testbed.ask('!who bad!room', { room: 'ops' })).text).toBe(
      'refused: RELAY_ERR_INVALID_ROOM',
    );
  });
});
