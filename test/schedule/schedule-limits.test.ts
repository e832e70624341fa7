// The limits of the schedule routes: the token's rate limit covers them (run-now publishes), the number
// of jobs added over the API is capped, and listing many jobs never stalls the relay's sockets.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RelayServerOptions } from '../../src/index.js';
import { ADMIN, adminCall, listener, problemOf } from '../http/api-relay.js';
import { WARN } from '../support/capture-logs.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { tempStore } from './temp-store.js';

async function startAdminRelay(options: RelayServerOptions = {}) {
  const started = await startRelay({
    greeting: 'none',
    ...options,
    api: { tokens: [ADMIN], ...options.api },
  });
  const call = adminCall(started.url);
  return { ...started, call };
}

describe('schedule route limits', () => {
  it('takes a path id of 64 characters (404 when no such job) and answers one of 65, on every id route, 400', async () => {
    const { call } = await startAdminRelay();
    const routes = [
      ['GET', ''],
      ['DELETE', ''],
      ['POST', '/run'],
      ['POST', '/pause'],
      ['POST', '/resume'],
    ] as const;
    for (const [method, tail] of routes) {
      const atLimit = await call(method, `/v1/schedules/${'a'.repeat(64)}${tail}`);
      expect(await problemOf(atLimit)).toMatchObject({ code: 'RELAY_ERR_SCHEDULE_NOT_FOUND', status: 404 });
      const past = await call(method, `/v1/schedules/${'a'.repeat(65)}${tail}`);
      expect(await problemOf(past)).toMatchObject({
        code: 'RELAY_ERR_INVALID_REQUEST',
        status: 400,
        field: 'id',
      });
    }
    const badCharacter = await call('GET', `/v1/schedules/${encodeURIComponent('stand up')}`);
    expect(await problemOf(badCharacter)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST', status: 400 });
  });

  it('takes one request of the token rate limit per schedule request: run-now at the limit runs, one past is 429 and publishes nothing', async () => {
    const { server, url, call, logs } = await startAdminRelay({
      // A refill of one request every 100 s: nothing comes back during the test.
      api: { rateLimit: { burst: 3, perSecond: 0.01 } },
      schedules: [{ id: 'freeze', cron: '0 17 * * 5', content: 'Deploy freeze starts now' }],
    });
    const client = await listener(url);
    const heard: unknown[] = [];
    client.on('sendMessageFromBack', (content) => heard.push(content));
    for (let i = 0; i < 3; i += 1) {
      const ran = await call('POST', '/v1/schedules/freeze/run');
      expect(ran.status).toBe(200);
      expect(await ran.json()).toMatchObject({ outcome: 'ok' });
    }
    const limited = await call('POST', '/v1/schedules/freeze/run');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter >= 1 && retryAfter <= 100).toBe(true);
    expect(await problemOf(limited)).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED', status: 429 });
    // Every other route of the token is over the limit too, reading ones included.
    expect((await call('GET', '/v1/schedules')).status).toBe(429);
    expect((await call('POST', '/v1/schedules', { id: 'x', cron: '0 9 * * *', content: 'x' })).status).toBe(
      429,
    );
    expect((await call('POST', '/v1/messages', { content: 'x' })).status).toBe(429);

    // The three runs reached the client, and nothing after them: a marker published now comes next.
    const marker = waitForEvent(client, 'sendMessageFromBack', { filter: (content) => content === 'marker' });
    server.relay.publish('marker', { from: { id: 't', name: 't', kind: 'system' } });
    await marker;
    expect(heard).toEqual([...Array(3).fill('Deploy freeze starts now'), 'marker']);
    // The flood is logged once, when it starts.
    expect(logs.filter((line) => line.code === 'RELAY_ERR_RATE_LIMITED' && line.level === WARN)).toHaveLength(
      1,
    );
  });

  it('caps the jobs added over the API at scheduler.maxJobs: the last one fits, one more is 409 until one is deleted', async () => {
    const { call, server } = await startAdminRelay({
      api: { rateLimit: false },
      scheduler: { store: await tempStore(), maxJobs: 3 },
      // Jobs of the config file and of code do not count.
      schedules: [{ id: 'declared', cron: '0 9 * * *', content: 'declared' }],
    });
    server.scheduler.every('bot:job', '0 8 * * *', () => undefined);
    for (const id of ['one', 'two']) {
      expect((await call('POST', '/v1/schedules', { id, cron: '0 9 * * 1', content: id })).status).toBe(201);
    }
    expect(server.scheduler.add({ id: 'three', cron: '0 9 * * 1', content: 'three' })).toMatchObject({
      origin: 'api',
    });
    const refused = await call('POST', '/v1/schedules', { id: 'four', cron: '0 9 * * 1', content: 'four' });
    expect(refused.status).toBe(409);
    const problem = await problemOf(refused);
    expect(problem).toMatchObject({ code: 'RELAY_ERR_TOO_MANY_SCHEDULES', title: 'Too many schedules' });
    expect(problem.detail).toContain('job "four" not added: 3 jobs added over the API exist');
    expect(problem.detail).toContain('scheduler.maxJobs');
    expect(() => server.scheduler.add({ id: 'four', cron: '0 9 * * 1', content: 'four' })).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_TOO_MANY_SCHEDULES' }),
    );
    expect(server.scheduler.list().map((job) => job.id)).toEqual([
      'declared',
      'bot:job',
      'one',
      'two',
      'three',
    ]);

    expect((await call('DELETE', '/v1/schedules/one')).status).toBe(204);
    expect(
      (await call('POST', '/v1/schedules', { id: 'four', cron: '0 9 * * 1', content: 'four' })).status,
    ).toBe(201);
  });

  it('lists many jobs, rare ones included, without stalling the sockets: they keep their round trips during the GET', async () => {
    const { server, url, call } = await startAdminRelay({
      api: { rateLimit: false },
      rateLimit: false,
      scheduler: { maxJobs: 1000 },
    });
    // 29 February on a Monday: node-cron walks about 28 years of days for each of its run times.
    for (let i = 0; i < 20; i += 1)
      server.scheduler.add({ id: `rare-${i}`, cron: '0 0 29 2 1', content: 'x' });
    for (let i = 0; i < 280; i += 1) {
      server.scheduler.add({ id: `daily-${i}`, cron: `${i % 60} ${i % 24} * * *`, content: 'x' });
    }
    const pinger = await connectClient(url);
    // Round trips start once the relay has begun the listing (this listener runs just before the API's).
    const begun = new Promise<void>((resolve) =>
      server.httpServer.prependListener('request', (req: IncomingMessage) => {
        if (req.url === '/v1/schedules?next=50') resolve();
      }),
    );
    let answered = false;
    const listing = call('GET', '/v1/schedules?next=50').then(async (response) => {
      answered = true;
      const body = (await response.json()) as { schedules: Array<{ nextRuns: string[] }> };
      return { status: response.status, body };
    });
    await begun;
    // One round trip after the other while the listing is computed. A listing that holds the event loop
    // lets none through (the first is sent once the listing has been written), one that yields lets them
    // through: about 25 here, since the client and the relay share this process and each computation of
    // a rare job's run times holds the loop (~50 ms).
    let roundTrips = 0;
    while (!answered) {
      const ack = await pinger.timeout(10_000).emitWithAck('sendMessage', 'ping');
      expect(ack).toMatchObject({ ok: true });
      if (!answered) roundTrips += 1;
    }
    const { status, body } = await listing;
    expect(status).toBe(200);
    expect(body.schedules).toHaveLength(300);
    for (const job of body.schedules) expect(job.nextRuns).toHaveLength(50);
    expect(roundTrips).toBeGreaterThanOrEqual(10);
  });
});
