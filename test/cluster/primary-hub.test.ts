// What the workers of `relay serve --workers` share through their primary, in one process: a real
// PrimaryHub and real HubClients, joined by an in-memory channel that copies each message as IPC does.
import { describe, expect, it, vi } from 'vitest';
import { HubClient } from '../../src/cluster/hub-client.js';
import type { HubChannel } from '../../src/cluster/hub-messages.js';
import { shareJobsOverHub } from '../../src/cluster/share-jobs-over-hub.js';
import { IdempotentRequests } from '../../src/http/idempotent-requests.js';
import { createRelayServer } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { hubWithWorkers } from '../support/hub-with-workers.js';
import { IN_MEMORY_STORES } from '../support/start-relay.js';

// How long a claim is kept: the scheduler asks for its catch-up grace plus clock skew.
const KEEP = 600_000;

describe('the primary hub of --workers', () => {
  it('gives each cron slot to the first worker that claims it, and the next slot again to one', async () => {
    const { clients } = hubWithWorkers(2);
    const claims = clients.map((client) => client.slotClaim());
    const slot = new Date('2026-12-01T10:00:00Z');
    const first = await Promise.all(claims.map((claim) => claim('tick', slot, KEEP)));
    expect(first.filter(Boolean)).toHaveLength(1);
    const next = await Promise.all(
      claims.map((claim) => claim('tick', new Date(slot.getTime() + 1000), KEEP)),
    );
    expect(next.filter(Boolean)).toHaveLength(1);
    // Another job's same slot is its own.
    expect(await claims[1]?.('other', slot, KEEP)).toBe(true);
  });

  // The hub kept every claim 10 minutes whatever the grace: a worker restarted later caught the slot up.
  it('keeps a claim as long as the scheduler asks, past ten minutes', async () => {
    const { clients } = hubWithWorkers(2);
    const [first, second] = clients.map((client) => client.slotClaim());
    const slot = new Date('2026-12-01T10:00:00Z');
    vi.useFakeTimers({ toFake: ['Date'], now: slot });
    try {
      expect(await first?.('tick', slot, 3_600_000)).toBe(true);
      vi.setSystemTime(slot.getTime() + 20 * 60_000);
      expect(await second?.('tick', slot, 3_600_000)).toBe(false);
      vi.setSystemTime(slot.getTime() + 61 * 60_000);
      expect(await second?.('tick', slot, 3_600_000)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  // A worker that had not applied a pause yet (one starting while the lead shared it) won the slot.
  it('gives no worker the slot of a job paused on any of them', async () => {
    const { clients } = hubWithWorkers(2);
    const [lead, other] = clients as [HubClient, HubClient];
    await lead.call('shareJob', 'tick', { paused: true }, true);
    const slot = new Date('2026-12-01T10:00:00Z');
    expect(await other.slotClaim()('tick', slot, KEEP)).toBe(false);
    await lead.call('shareJob', 'tick', { paused: false }, true);
    expect(await other.slotClaim()('tick', new Date(slot.getTime() + 1000), KEEP)).toBe(true);
  });

  it('keeps at most maxClaims slot claims: at the limit every one holds, one past it the oldest is forgotten', async () => {
    const { clients } = hubWithWorkers(1, { maxClaims: 2 });
    const claim = clients[0]?.slotClaim();
    if (!claim) throw new Error('one client expected');
    const slot = new Date('2026-12-01T10:00:00Z');
    expect([await claim('a', slot, KEEP), await claim('b', slot, KEEP)]).toEqual([true, true]);
    expect([await claim('a', slot, KEEP), await claim('b', slot, KEEP)]).toEqual([false, false]);
    expect(await claim('c', slot, KEEP)).toBe(true);
    // "a" was the oldest: forgotten, so it can be taken again (a slot 10 minutes old never comes back).
    expect(await claim('a', slot, KEEP)).toBe(true);
    expect(await claim('c', slot, KEEP)).toBe(false);
  });

  it('keeps idempotent answers for every worker: a retry on another worker replays, concurrent copies run once', async () => {
    const { clients } = hubWithWorkers(2);
    const requests = clients.map(
      (client) => new IdempotentRequests({ store: client.idempotencyStore(), windowMs: 60_000 }),
    );
    let runs = 0;
    const produce = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { status: 202, body: { id: `m${runs}` } };
    };
    const [a, b] = await Promise.all(requests.map((r) => r.run('ci', 'release-42', 'fp', produce)));
    expect(runs).toBe(1);
    expect([a?.replayed, b?.replayed].sort()).toEqual([false, true]);
    expect(b?.body).toEqual(a?.body);
    const retry = await requests[1]?.run('ci', 'release-42', 'fp', produce);
    expect(retry).toMatchObject({ replayed: true, body: { id: 'm1' } });
    await expect(requests[0]?.run('ci', 'release-42', 'other body', produce)).rejects.toMatchObject({
      code: 'RELAY_ERR_IDEMPOTENCY_KEY_REUSED',
    });
    // A failed request gives its key back: the retry runs.
    await expect(
      requests[0]?.run('ci', 'flaky', 'fp', () => Promise.reject(new Error('refused'))),
    ).rejects.toThrow('refused');
    expect(await requests[1]?.run('ci', 'flaky', 'fp', produce)).toMatchObject({ replayed: false });
  });

  it('keeps a request claimed once its answer is stored: a worker that claims then fails and finds the answer', async () => {
    // The waiting worker's look (no answer yet) and its next claim can straddle the answer being stored.
    const [a, b] = hubWithWorkers(2).clients.map((client) => client.idempotencyStore());
    if (!a?.claim || !b?.claim) throw new Error('two stores with claims expected');
    expect(await a.claim('ci\nrelease-42', 5000)).toBe(true);
    await a.set('ci\nrelease-42', { fingerprint: 'fp', status: 202, body: { id: 'm1' } }, 60_000);
    expect(await b.claim('ci\nrelease-42', 5000)).toBe(false);
    expect(await b.get('ci\nrelease-42')).toMatchObject({ body: { id: 'm1' } });
  });

  it('extends and releases a request claim only for the worker holding it, and only while taken', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const [a, b] = hubWithWorkers(2).clients.map((client) => client.idempotencyStore());
      if (!a?.claim || !a.extend || !b?.claim) throw new Error('two stores with claims expected');
      expect(await a.claim('ci\nslow-run', 1000)).toBe(true);
      vi.advanceTimersByTime(900);
      await a.extend('ci\nslow-run', 1000);
      vi.advanceTimersByTime(900);
      // 1 800 ms after the claim of 1 000: taken still, thanks to the extension.
      expect(await b.claim('ci\nslow-run', 1000)).toBe(false);
      vi.advanceTimersByTime(200);
      expect(await b.claim('ci\nslow-run', 1000)).toBe(true);
      // b holds it now: a's late extension and release leave b's claim alone.
      vi.advanceTimersByTime(900);
      await a.extend('ci\nslow-run', 1000);
      await a.release?.('ci\nslow-run');
      vi.advanceTimersByTime(50);
      expect(await a.claim('ci\nslow-run', 1000)).toBe(false);
      // An expired claim is not brought back by a late extension.
      vi.advanceTimersByTime(1500);
      await b.extend?.('ci\nslow-run', 1000);
      expect(await a.claim('ci\nslow-run', 1000)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps at most maxIdempotencyEntries answers: at the limit all replay, one past it the oldest is gone', async () => {
    const { clients } = hubWithWorkers(1, { maxIdempotencyEntries: 3 });
    const store = clients[0]?.idempotencyStore();
    if (!store) throw new Error('one client expected');
    const answer = (n: number) => ({ fingerprint: `f${n}`, status: 202, body: n });
    for (const n of [1, 2, 3]) await store.set(`k${n}`, answer(n), 60_000);
    expect(await Promise.all([1, 2, 3].map((n) => store.get(`k${n}`)))).toEqual([1, 2, 3].map(answer));
    await store.set('k4', answer(4), 60_000);
    expect(await store.get('k1')).toBeUndefined();
    expect(await store.get('k4')).toEqual(answer(4));
  });

  it('shares runtime jobs between workers, workers that start later included, and removals too', async () => {
    const { clients } = hubWithWorkers(3);
    const servers = clients.map((client) => {
      const capture = captureLogs();
      const server = track(
        createRelayServer({
          ...IN_MEMORY_STORES,
          port: 0,
          host: '127.0.0.1',
          logger: capture.logger,
          scheduler: { store: ':memory:' },
        }),
        (s) => s.close(),
      );
      shareJobsOverHub({ lifecycle: server, scheduler: server.scheduler }, client, capture.logger);
      return server;
    });
    const [a, b, late] = servers;
    if (!a || !b || !late) throw new Error('three workers expected');
    const ids = (server: typeof a) =>
      server.scheduler.list().map((job) => `${job.id}${job.paused ? ' (paused)' : ''}`);
    await a.listen();
    await b.listen();
    a.scheduler.add({ id: 'standup', cron: '0 55 9 * * 1-5', content: 'stand-up' });
    await expect.poll(() => ids(b), { timeout: 3000 }).toEqual(['standup']);
    b.scheduler.pause('standup');
    await expect.poll(() => ids(a), { timeout: 3000 }).toEqual(['standup (paused)']);
    await late.listen();
    expect(ids(late)).toEqual(['standup (paused)']);
    late.scheduler.remove('standup');
    await expect.poll(() => [ids(a), ids(b)], { timeout: 3000 }).toEqual([[], []]);
  });

  it('fails a call still waiting when the worker closes', async () => {
    // A channel to no primary: the call can only end by close().
    const silent: HubChannel = { send: () => undefined, on: () => undefined, off: () => undefined };
    const client = new HubClient(silent);
    const waiting = client.call('jobs');
    client.close();
    client.close();
    await expect(waiting).rejects.toMatchObject({ code: 'RELAY_ERR_SHUTTING_DOWN' });
    await expect(client.call('jobs')).rejects.toMatchObject({ code: 'RELAY_ERR_SHUTTING_DOWN' });
  });
});
