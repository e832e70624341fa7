// `relay webhooks add|list|rm|test` against a running relay, in-process through runCli.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { createCliContext } from '../support/cli-context.js';
import { startRelay } from '../support/start-relay.js';
import { startReceiver } from './webhook-receiver.js';

describe('relay webhooks', () => {
  it('adds an endpoint (printing its secret), lists it, tests it, and removes it', async () => {
    const receiver = await startReceiver();
    const { url } = await startRelay({
      api: { tokens: ['ops:ops-s3cr3t:admin'] },
      webhooks: { allowPrivateNetworks: true },
    });
    const relay = async (...args: string[]) => {
      const ctx = createCliContext({ env: {} });
      await runCli([...args, '--url', url, '--token', 'ops-s3cr3t'], ctx);
      return ctx;
    };
    const added = await relay(
      'webhooks',
      'add',
      receiver.url,
      '--room',
      'ops',
      '--room',
      'dev',
      '--words',
      'deploy,rollback',
      '--name',
      'Deployer',
    );
    expect(added.err()).toBe('');
    expect(added.exitCode).toBe(0);
    const [idLine, secretLine] = added.out().trimEnd().split('\n');
    const id = idLine?.replace('added ', '') ?? '';
    expect(id).toMatch(/^wh_/);
    expect(secretLine).toMatch(/^secret whsec_/);

    const listed = await relay('webhooks', 'list');
    expect(listed.out()).toContain(
      `${id}  Deployer  rooms=ops,dev  words=deploy,rollback  queued=0 dead=0  api  ${receiver.url}`,
    );
    expect(listed.out()).not.toContain(secretLine?.slice(13));

    const tested = await relay('webhooks', 'test', id);
    expect(tested.out()).toBe('delivered: HTTP 204\n');
    const [test] = await receiver.waitFor(1);
    expect(test?.body.content).toBe('RelayKit webhook test');

    expect((await relay('webhooks', 'rm', id)).out()).toBe(`removed ${id}\n`);
    expect((await relay('webhooks', 'list')).out()).toBe('no webhooks\n');
    const missing = await relay('webhooks', 'rm', id);
    expect(missing.exitCode).toBe(1);
    expect(missing.err()).toContain('RELAY_ERR_WEBHOOK_NOT_FOUND');
  });

  it('exits 2 unless exactly one trigger is given, and 1 when a test is not delivered', async () => {
    const receiver = await startReceiver({ answer: (_d, res) => res.writeHead(500).end() });
    const { url } = await startRelay({
      api: { tokens: ['ops:ops-s3cr3t:admin'] },
      webhooks: { allowPrivateNetworks: true },
    });
    const relay = async (...args: string[]) => {
      const ctx = createCliContext({ env: {} });
      await runCli([...args, '--url', url, '--token', 'ops-s3cr3t'], ctx);
      return ctx;
    };
    const none = await relay('webhooks', 'add', receiver.url, '--room', 'ops');
    expect(none.exitCode).toBe(2);
    expect(none.err()).toContain('exactly one trigger');
    const two = await relay('webhooks', 'add', receiver.url, '--room', 'ops', '--all', '--prefix', '!');
    expect(two.exitCode).toBe(2);
    const added = await relay('webhooks', 'add', receiver.url, '--room', 'ops', '--all');
    const id = added.out().split('\n')[0]?.replace('added ', '') ?? '';
    const tested = await relay('webhooks', 'test', id);
    expect(tested.exitCode).toBe(1);
    expect(tested.err()).toContain('not delivered: HTTP 500');
  });
});
