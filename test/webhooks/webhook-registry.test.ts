// The registry over a real store: what it does with stored endpoints it cannot use.
import { describe, expect, it } from 'vitest';
import { LocalWebhookDirectory } from '../../src/webhooks/webhook-directory.js';
import { WebhookRegistry } from '../../src/webhooks/webhook-registry.js';
import { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { SECRET } from './webhook-receiver.js';

describe('webhook registry', () => {
  it('keeps the deliveries of a stored endpoint it refuses, says so once, and drops those of one that is gone', async () => {
    const store = track(WebhookStore.open(':memory:'), (s) => s.close());
    // Stored by another version: a trigger this one refuses (`\-` is not valid with the u flag).
    const spec = {
      id: 'odd',
      url: 'https://example.com/hook',
      rooms: ['ops'],
      trigger: { regex: '\\-' },
      secret: SECRET,
    };
    store.addEndpoint(spec as never, new Date().toISOString());
    const delivery = (id: string, endpointId: string) => ({
      id,
      endpointId,
      body: '{}',
      messageId: `m-${id}`,
      room: 'ops',
      hops: 0,
      nextAt: Date.now() + 60_000,
      createdAt: new Date().toISOString(),
    });
    store.enqueue(delivery('d1', 'odd'));
    store.enqueue(delivery('d2', 'gone'));
    const capture = captureLogs();
    const open = () =>
      new WebhookRegistry({
        store,
        directory: new LocalWebhookDirectory(store),
        logger: capture.logger,
        configured: [],
        initial: store.listEndpoints(),
        maxEndpoints: 10,
        allowPrivateNetworks: false,
      });
    const registry = open();
    expect(registry.list()).toEqual([]);
    expect([...store.depthsOf('odd')]).toEqual([['pending', 1]]);
    expect([...store.depthsOf('gone')]).toEqual([]);
    const refused = capture.lines.filter(
      (line) => line.msg === 'stored webhook endpoint not used: this relay refuses it',
    );
    expect(refused).toMatchObject([{ endpoint: 'odd', problem: expect.stringContaining('regex') }]);
  });
});
