// The webhook store's own failures: a file it cannot open is RELAY_ERR_WEBHOOK_STORE, naming the path.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { track } from '../support/cleanup.js';

describe('WebhookStore', () => {
  it('refuses a path it cannot open with RELAY_ERR_WEBHOOK_STORE, and closes idempotently', async () => {
    const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-webhook-store-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    // A folder is not a database file.
    expect(() => WebhookStore.open(dir)).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_WEBHOOK_STORE', message: expect.stringContaining(dir) }),
    );
    const store = WebhookStore.open(path.join(dir, 'webhooks.db'));
    store.close();
    store.close();
  });
});
