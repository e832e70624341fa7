import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { MessageMeta } from '../../src/index.js';
import { SECRET, startJwtRelay } from '../auth/jwt-relay.js';
import { track } from '../support/cleanup.js';
import { createCliContext } from '../support/cli-context.js';
import { connectClient } from '../support/connect-client.js';
import { waitForEvent } from '../support/wait-for-event.js';

const key = new TextEncoder().encode(SECRET);

async function emptyDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-token-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

describe('relay token', () => {
  it("prints a token signed with the relay's secret, with the claims asked for, that the relay accepts", async () => {
    const cwd = await emptyDir();
    const ctx = createCliContext({ env: { RELAY_AUTH_JWT_SECRET: SECRET }, cwd });
    const before = Math.floor(Date.now() / 1000);
    await runCli(
      [
        'token',
        '--sub',
        'u-42',
        '--name',
        'Ann',
        '--rooms',
        'lobby, team-*',
        '--roles',
        'admin,ops',
        '--ttl',
        '15m',
      ],
      ctx,
    );
    expect(ctx.exitCode).toBe(0);
    expect(ctx.err()).toMatch(/^token for u-42, valid until \d{4}-/);
    const token = ctx.out().trim();
    const { payload, protectedHeader } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({
      sub: 'u-42',
      name: 'Ann',
      rooms: ['lobby', 'team-*'],
      roles: ['admin', 'ops'],
    });
    expect((payload.exp ?? 0) - before).toBeGreaterThanOrEqual(900);
    expect((payload.exp ?? 0) - before).toBeLessThanOrEqual(902);

    const { url } = await startJwtRelay();
    const ann = await connectClient(url, { auth: { token } });
    const heard = waitForEvent<[string, MessageMeta]>(ann, 'sendMessageFromBack');
    ann.emit('sendMessage', 'hi');
    expect((await heard)[1].from).toMatchObject({ userId: 'u-42', name: 'Ann', roles: ['admin', 'ops'] });
  });

  it('adds the configured issuer and audience, and reads the secret from the config file', async () => {
    const cwd = await emptyDir();
    await writeFile(
      path.join(cwd, 'relay.config.json'),
      JSON.stringify({
        auth: { mode: 'jwt', jwtSecret: SECRET, issuer: 'https://id.example', audience: 'relay' },
      }),
    );
    const ctx = createCliContext({ cwd });
    await runCli(['token', '--sub', 'u-1'], ctx);
    expect(ctx.exitCode).toBe(0);
    const { payload } = await jwtVerify(ctx.out().trim(), key, {
      issuer: 'https://id.example',
      audience: 'relay',
    });
    expect(payload.rooms).toBeUndefined();
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it('takes a ttl of up to 30 days, and refuses one second more or a ttl that is not a lifetime', async () => {
    const cwd = await emptyDir();
    const env = { RELAY_AUTH_JWT_SECRET: SECRET };
    const atLimit = createCliContext({ env, cwd });
    await runCli(['token', '--sub', 'u-1', '--ttl', String(30 * 86_400)], atLimit);
    expect(atLimit.exitCode).toBe(0);
    expect(atLimit.err()).not.toContain(SECRET);
    for (const ttl of [String(30 * 86_400 + 1), '31d', '0', '1 hour', '-5']) {
      const ctx = createCliContext({ env, cwd });
      await runCli(['token', '--sub', 'u-1', '--ttl', ttl], ctx);
      expect(ctx.exitCode, ttl).toBe(2);
      expect(ctx.err()).toContain('is not a lifetime');
      expect(ctx.out()).toBe('');
    }
  });

  it('refuses, before signing, claims the relay would refuse at connect, naming the flag', async () => {
    const cwd = await emptyDir();
    const env = { RELAY_AUTH_JWT_SECRET: SECRET };
    for (const [args, said] of [
      [['--sub'], '--sub must be the user id'],
      [['--sub', 'anon:x'], '--sub must not start with anon:'],
      [['--sub', 'u-1', '--name', ''], '--name must be a display name'],
      [['--sub', 'u-1', '--rooms', 'bad room!'], '--rooms'],
      [['--sub', 'u-1', '--roles', 'x y'], '--roles'],
      // A token that grants no room could never connect.
      [['--sub', 'u-1', '--rooms', ''], '--rooms names no room'],
      [['--sub', 'u-1', '--rooms', ' , ,'], '--rooms names no room'],
    ] as const) {
      const ctx = createCliContext({ env, cwd });
      await runCli(['token', ...args], ctx);
      expect(ctx.exitCode, args.join(' ')).toBe(2);
      expect(ctx.err()).toContain('the relay would refuse this token');
      expect(ctx.err()).toContain(said);
      expect(ctx.out()).toBe('');
    }
  });

  it('says where to put the secret when there is none, and never prints a short one back', async () => {
    const cwd = await emptyDir();
    const none = createCliContext({ cwd });
    await runCli(['token', '--sub', 'u-1'], none);
    expect(none.exitCode).toBe(2);
    expect(none.err()).toContain('set RELAY_AUTH_JWT_SECRET');
    const short = createCliContext({ env: { RELAY_AUTH_JWT_SECRET: 'too-short-secret' }, cwd });
    await runCli(['token', '--sub', 'u-1'], short);
    expect(short.exitCode).toBe(2);
    expect(short.err()).toContain('auth.jwtSecret');
    expect(short.err()).not.toContain('too-short-secret');
  });
});
