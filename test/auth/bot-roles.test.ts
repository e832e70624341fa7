import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BotHost, type CommandMessage, defineBot, type MessageMeta } from '../../src/index.js';
import { startTestbed } from '../bots/start-testbed.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { signToken, startJwtRelay } from './jwt-relay.js';

const seen: CommandMessage['from'][] = [];
const deploy = defineBot({
  name: 'deployer',
  description: 'deploys, for admins only',
  setup(bot) {
    bot.command('deploy', { description: 'deploy the app', roles: ['admin', 'ops'] }, (msg) => {
      seen.push(msg.from);
      return msg.reply(`deploying for ${msg.from.userId}`);
    });
    bot.command('whoami', { description: 'who you are' }, (msg) =>
      msg.reply(`${msg.from.userId} ${(msg.from.roles ?? []).join(',') || '-'}`),
    );
  },
});

describe('bots and roles', () => {
  it('runs a role-guarded command for people with the role, and tells the others which roles it needs', async () => {
    const testbed = await startTestbed({ bots: [deploy], auth: 'jwt' });
    const admin = await testbed.user('Ann', { userId: 'u-ann', roles: ['admin'] });
    const guest = await testbed.user('Bob', { userId: 'u-bob' });
    expect(admin.userId).toBe('u-ann');
    expect((await admin.ask('!deploy')).text).toBe('deploying for u-ann');
    const refusal = await guest.ask('!deploy');
    expect(refusal.text).toBe('Bob: !deploy is only for admin, ops (your roles: none)');
    expect(refusal.meta.to).toBe('u-bob'); // only Bob is told
    expect((await guest.ask('!whoami')).text).toBe('u-bob -');
    expect((await admin.ask('!whoami')).text).toBe('u-ann admin');
    expect(seen.map((from) => from.userId)).toEqual(['u-ann']);
    expect(testbed.host.commands().find((command) => command.name === 'deploy')?.roles).toEqual([
      'admin',
      'ops',
    ]);
  });

  it('refuses to give testbed users ids or roles without auth: jwt, and keeps anonymous ids otherwise', async () => {
    const testbed = await startTestbed({ bots: [deploy] });
    await expect(testbed.user('Ann', { roles: ['admin'] })).rejects.toThrow(/auth: 'jwt'/);
    const anonymous = await testbed.user('Ann');
    expect(anonymous.userId).toBe(`anon:${anonymous.socket.id}`);
    expect((await anonymous.ask('!deploy')).text).toContain('is only for admin, ops');
  });

  it('refuses a command whose roles are not a non-empty list of names, at load', async () => {
    const broken = defineBot({
      name: 'broken',
      description: 'bad roles',
      setup(bot) {
        bot.command('oops', { description: 'x', roles: [] }, () => undefined);
      },
    });
    await expect(startTestbed({ bots: [broken] })).rejects.toThrow(/roles must be a non-empty array/);
  });

  it('lets a bot on its bot token serve people with tokens on a relay in jwt mode', async () => {
    const { url, server } = await startJwtRelay();
    const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-jwt-bots-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    const host = track(
      new BotHost({
        url,
        token: server.botToken,
        logger: captureLogs().logger,
        settings: { botStoreDir: dir },
      }),
      (h) => h.close(),
    );
    await host.start(deploy);
    const ops = await connectClient(url, {
      auth: { token: await signToken({ sub: 'u-ops', roles: ['ops'] }) },
    });
    const reply = waitForEvent<[string, MessageMeta]>(ops, 'sendMessageFromBack', {
      filter: (_content, meta) => meta.from.kind === 'bot',
    });
    ops.emit('sendMessage', '!deploy');
    const [text, meta] = await reply;
    expect(text).toBe('deploying for u-ops');
    expect(meta.from).toMatchObject({ kind: 'bot', userId: 'bot:deployer', name: 'deployer' });
  });
});
