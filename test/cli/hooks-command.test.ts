// `relay hooks add|list|rotate|rm` against a running relay, in-process through runCli.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { startHookRelay } from '../hooks/hook-relay.js';
import { listener, nextMessage } from '../http/api-relay.js';
import { createCliContext } from '../support/cli-context.js';

async function relayCli(args: string[], url: string, token = 'ops-s3cr3t') {
  const ctx = createCliContext({ env: { RELAY_URL: url, RELAY_CLIENT_TOKEN: token } });
  await runCli(args, ctx);
  return ctx;
}

describe('relay hooks', () => {
  it('adds a hook and prints its URL once, lists it without the key, rotates and removes it', async () => {
    const relay = await startHookRelay();
    const added = await relayCli(
      ['hooks', 'add', 'deploys', '--room', 'ops', '--format', 'slack'],
      relay.url,
    );
    expect(added.err()).toBe('');
    expect(added.exitCode).toBe(0);
    const url = /^url: +(\S+)$/m.exec(added.out())?.[1] ?? '';
    expect(url).toMatch(new RegExp(`^${relay.url}/hooks/[A-Za-z0-9_-]{43}$`));
    const id = /^added (hk_\S+)/.exec(added.out())?.[1] ?? '';
    expect(added.out()).toContain(`added ${id}  deploys  slack → #ops`);

    const ops = await listener(relay.url, 'ops');
    const heard = nextMessage(ops);
    expect((await relay.deliver(url, { text: 'via the CLI hook' })).status).toBe(200);
    expect((await heard).content).toMatchObject({ text: 'via the CLI hook' });

    const listed = await relayCli(['hooks', 'list'], relay.url);
    expect(listed.out()).toBe(`${id}  deploys  slack → #ops\n`);
    expect(listed.out()).not.toContain(url.split('/').at(-1));

    const rotated = await relayCli(['hooks', 'rotate', id], relay.url);
    const fresh = /^url: +(\S+)$/m.exec(rotated.out())?.[1] ?? '';
    expect(fresh).not.toBe(url);
    expect((await relay.deliver(url, { text: 'old' })).status).toBe(404);

    const removed = await relayCli(['hooks', 'rm', id], relay.url);
    expect(removed.out()).toBe(`removed ${id}\n`);
    expect((await relay.deliver(fresh, { text: 'gone' })).status).toBe(404);
    const empty = await relayCli(['hooks', 'list'], relay.url);
    expect(empty.out()).toBe('no hooks\n');
  });

  it('prints a GitHub hook secret, and fails with the problem for an unknown id or a publish token', async () => {
    const relay = await startHookRelay();
    const github = await relayCli(['hooks', 'add', 'repo', '--format', 'github'], relay.url);
    expect(github.out()).toMatch(/^secret: \S{43} /m);
    const unknown = await relayCli(['hooks', 'rm', 'hk_nope'], relay.url);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.err()).toContain('RELAY_ERR_HOOK_NOT_FOUND');
    const publisher = await relayCli(['hooks', 'list'], relay.url, 'ci-s3cr3t');
    expect(publisher.exitCode).toBe(1);
    expect(publisher.err()).toContain('RELAY_ERR_FORBIDDEN');
  });
});
