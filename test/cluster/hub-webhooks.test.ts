// Webhook endpoints shared by the workers of `relay serve --workers` through their primary, in one
// process: a real PrimaryHub, real HubClients over an in-memory channel that copies each message as IPC
// does, and each worker's real registry and webhook store.
import { describe, expect, it } from 'vitest';
import { HubClient } from '../../src/cluster/hub-client.js';
import { HubWebhookDirectory } from '../../src/cluster/hub-webhook-directory.js';
import { WebhookRegistry } from '../../src/webhooks/webhook-registry.js';
import { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { primaryHubWithChannels } from '../support/hub-with-workers.js';
import { waitUntil } from '../webhooks/wait-until.js';

/** A primary's hub and `count` workers, each with its registry (store in memory) on that hub. */
function primaryWithWorkers(
  count: number,
  options: { maxRemovedWebhooks?: number; maxEndpoints?: number } = {},
) {
  const { hub, channel } = primaryHubWithChannels(count, {
    maxIdempotencyEntries: 10,
    ...(options.maxRemovedWebhooks === undefined ? {} : { maxRemovedWebhooks: options.maxRemovedWebhooks }),
  });
  const worker = (id: number, store = track(WebhookStore.open(':memory:'), (s) => s.close())) => {
    const client = track(new HubClient(channel(id)), (c) => c.close());
    const directory = new HubWebhookDirectory(client);
    const registry = track(
      new WebhookRegistry({
        store,
        directory,
        logger: captureLogs().logger,
        configured: [],
        maxEndpoints: options.maxEndpoints ?? 10,
        allowPrivateNetworks: true,
      }),
      (r) => r.close(),
    );
    return { registry, directory, store };
  };
  const ids = Array.from({ length: count }, (_, index) => index + 1);
  return { hub, workers: ids.map((id) => worker(id)), worker };
}

const body = (room: string) => ({
  url: 'https://bots.example.com/hook',
  rooms: [room],
  trigger: { all: true },
});
const ids = (registry: WebhookRegistry) => registry.list().map((endpoint) => endpoint.id);

describe('webhook endpoints shared through the primary of --workers', () => {
  it('shows an endpoint added on one worker on the other, and a removal on the other on the first', async () => {
    const { workers } = primaryWithWorkers(2);
    const [one, two] = workers;
    if (!one || !two) throw new Error('two workers expected');
    const added = await one.registry.add(body('ops'));
    await waitUntil('worker 2 has it', () => two.registry.watching('ops')?.[0]?.id === added.id);
    expect(two.registry.get(added.id).secret).toBe(added.secret);
    // Each worker keeps a copy in its store.
    expect(two.store.listEndpoints().map((row) => (row.spec as { id: string }).id)).toEqual([added.id]);

    await two.registry.remove(added.id);
    await waitUntil('worker 1 forgot it', () => ids(one.registry).length === 0);
    expect(one.registry.watching('ops')).toBeUndefined();
    expect(one.store.listEndpoints()).toEqual([]);
  });

  it("gets back the lead worker's endpoints when every process restarted, but not one removed meanwhile", async () => {
    const before = primaryWithWorkers(1);
    const lead = before.workers[0];
    if (!lead) throw new Error('one worker expected');
    const kept = await lead.registry.add(body('ops'));
    const gone = await lead.registry.add(body('dev'));

    // A new primary knows nothing; the lead offers its store's copy at start.
    const after = primaryWithWorkers(2);
    const restarted = after.workers[0];
    const other = after.workers[1];
    if (!restarted || !other) throw new Error('two workers expected');
    await restarted.directory.adopt(lead.store.listEndpoints());
    await restarted.registry.reload();
    await waitUntil('the other worker has them', () => ids(other.registry).length === 2);
    expect(ids(restarted.registry).sort()).toEqual([kept.id, gone.id].sort());

    await restarted.registry.remove(gone.id);
    // Offered again (a lead restarting with an older copy): a removal the primary knows wins.
    await other.directory.adopt(lead.store.listEndpoints());
    await other.registry.reload();
    expect(ids(other.registry)).toEqual([kept.id]);
  });

  it('remembers maxRemovedWebhooks removals: at the limit each holds, one past it the oldest is forgotten', async () => {
    const { workers } = primaryWithWorkers(1, { maxRemovedWebhooks: 2 });
    const [one] = workers;
    if (!one) throw new Error('one worker expected');
    const endpoints = [];
    for (const room of ['a', 'b', 'c']) endpoints.push(await one.registry.add(body(room)));
    const copies = one.store.listEndpoints();
    const [a, b, c] = endpoints;
    if (!a || !b || !c) throw new Error('three endpoints expected');
    await one.registry.remove(a.id);
    await one.registry.remove(b.id);
    await one.directory.adopt(copies);
    expect(Object.keys(await one.directory.list())).toHaveLength(1); // a and b stay removed
    await one.registry.remove(c.id);
    await one.directory.adopt(copies);
    // a's removal was the oldest of three: forgotten, so an old copy brings it back.
    expect((await one.directory.list()).map((w) => (w.spec as { id: string }).id)).toEqual([a.id]);
  });

  it("counts every worker's adds against maxEndpoints: six at once on two workers, two kept", async () => {
    const { workers } = primaryWithWorkers(2, { maxEndpoints: 2 });
    const [one, two] = workers;
    if (!one || !two) throw new Error('two workers expected');
    const results = await Promise.allSettled(
      [one, one, one, two, two, two].map((worker) => worker.registry.add(body('ops'))),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
    for (const result of results.filter((r) => r.status === 'rejected')) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'RELAY_ERR_TOO_MANY_WEBHOOKS' });
    }
    await waitUntil(
      'both workers list the two kept',
      () => ids(one.registry).length === 2 && ids(two.registry).length === 2,
    );
    expect((await one.directory.list()).length).toBe(2);
  });
});
