// The schedule store's file is watched: a change to jobs that could not last (the file deleted, replaced
// or made unwritable while the relay runs) is refused with a 503 problem and makes /readyz 503, instead of
// being acknowledged and lost at the next start.
import { execFileSync } from 'node:child_process';
import { copyFile, open, rename, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { RelayServerOptions } from '../../src/index.js';
import { ADMIN, adminCall, problemOf } from '../http/api-relay.js';
import { track } from '../support/cleanup.js';
import { requireBinary } from '../support/require-binary.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { tempStore } from './temp-store.js';

const ERROR = 50;

async function startAdminRelay(options: RelayServerOptions & { store: string }) {
  const { store, ...rest } = options;
  const started = await startRelay({
    greeting: 'none',
    api: { tokens: [ADMIN], rateLimit: false },
    scheduler: { store },
    ...rest,
  });
  const call = adminCall(started.url);
  const job = (id: string) => ({ id, cron: '0 9 * * 1', content: id });
  const unavailableLines = () =>
    started.logs.filter((line) => line.code === 'RELAY_ERR_STORE_UNAVAILABLE' && line.level === ERROR);
  return { ...started, call, job, unavailableLines };
}

async function expectRefused(response: Response, problem: string): Promise<void> {
  expect(response.status).toBe(503);
  const body = await problemOf(response);
  expect(body).toMatchObject({ code: 'RELAY_ERR_STORE_UNAVAILABLE', status: 503 });
  expect(body.detail).toContain(problem);
}

async function expectNotReady(url: string, problem: string): Promise<void> {
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(503);
  const body = await problemOf(ready);
  expect(body).toMatchObject({ code: 'RELAY_ERR_NOT_READY' });
  expect(body.detail).toContain(`scheduleStore (`);
  expect(body.detail).toContain(problem);
}

// Writes over a SQLite store and its WAL in place: the same files, still writable, no database any more.
async function overwrite(store: string): Promise<void> {
  for (const file of [store, `${store}-wal`, `${store}-shm`]) {
    const handle = await open(file, 'r+').catch(() => undefined);
    if (!handle) continue;
    const { size } = await handle.stat();
    await handle.write(Buffer.alloc(Math.max(size, 4096), 0x41), 0, Math.max(size, 4096), 0);
    await handle.close();
  }
}

describe('a schedule store whose file goes away', () => {
  it('refuses changes once the file is deleted (503, /readyz 503), logs it once, and keeps running jobs', async () => {
    const store = await tempStore();
    const relay = await startAdminRelay({
      store,
      schedules: [{ id: 'tick', cron: '* * * * * *', content: 'tick' }],
    });
    expect((await relay.call('POST', '/v1/schedules', relay.job('kept'))).status).toBe(201);
    expect((await fetch(`${relay.url}/readyz`)).status).toBe(200);

    await rm(store);
    await expectRefused(await relay.call('POST', '/v1/schedules', relay.job('lost')), 'was deleted');
    await expectNotReady(relay.url, 'was deleted');
    await expectRefused(await relay.call('DELETE', '/v1/schedules/kept'), 'was deleted');
    await expectRefused(await relay.call('POST', '/v1/schedules/kept/pause'), 'was deleted');
    // Reading still works, and nothing was changed.
    const { schedules } = (await (await relay.call('GET', '/v1/schedules')).json()) as {
      schedules: Array<{ id: string; paused: boolean }>;
    };
    expect(schedules.map((job) => [job.id, job.paused])).toEqual([
      ['tick', false],
      ['kept', false],
    ]);
    // Runs go on (their records cannot be kept), without a log line each.
    await waitForEvent(relay.server.scheduler, 'run', { timeoutMs: 3000 });
    await waitForEvent(relay.server.scheduler, 'run', { timeoutMs: 3000 });
    expect(relay.unavailableLines()).toHaveLength(1);
    expect(relay.unavailableLines()[0]).toMatchObject({ store, problem: expect.stringContaining('deleted') });
    expect(relay.logs.filter((line) => line.msg === 'schedule store write failed')).toEqual([]);
  });

  it('refuses changes once the file is replaced by another', async () => {
    const store = await tempStore();
    const relay = await startAdminRelay({ store });
    expect((await relay.call('POST', '/v1/schedules', relay.job('kept'))).status).toBe(201);
    await copyFile(store, `${store}.copy`);
    await rename(`${store}.copy`, store);
    await expectRefused(await relay.call('POST', '/v1/schedules', relay.job('lost')), 'was replaced');
    await expectNotReady(relay.url, 'was replaced');
  });

  // /readyz looked at the file only, so a store overwritten in place read as ready until some write
  // failed: hours, for a relay whose jobs are rare.
  it('says not ready for a file overwritten in place before any write has failed', async () => {
    const store = await tempStore();
    const relay = await startAdminRelay({ store });
    expect((await relay.call('POST', '/v1/schedules', relay.job('weekly'))).status).toBe(201);
    expect((await fetch(`${relay.url}/readyz`)).status).toBe(200);
    await overwrite(store);
    await expectNotReady(relay.url, 'SQLite answered');
    expect(relay.unavailableLines()).toHaveLength(1);
  });

  // Overwritten in place (same file, still writable), SQLite answered SQLITE_NOTADB: every slot logged a
  // "write failed" error for ever, listings answered 500 with the file's path, and /readyz said ready.
  it('takes a file overwritten in place as unavailable: one log line, listings go on, /readyz 503', async () => {
    const store = await tempStore();
    const relay = await startAdminRelay({
      store,
      schedules: [{ id: 'tick', cron: '* * * * * *', content: 'tick' }],
    });
    expect((await relay.call('POST', '/v1/schedules', relay.job('kept'))).status).toBe(201);
    await waitForEvent(relay.server.scheduler, 'run', { timeoutMs: 3000 });
    await overwrite(store);
    // Slots go on and cannot be recorded: logged once, not once a slot.
    for (let run = 0; run < 3; run += 1)
      await waitForEvent(relay.server.scheduler, 'run', { timeoutMs: 3000 });
    expect(relay.unavailableLines()).toHaveLength(1);
    expect(relay.unavailableLines()[0]).toMatchObject({ store });
    expect(relay.logs.filter((line) => line.msg === 'schedule store write failed')).toEqual([]);
    const listed = await relay.call('GET', '/v1/schedules');
    expect(listed.status).toBe(200);
    const { schedules } = (await listed.json()) as { schedules: Array<{ id: string }> };
    expect(schedules.map((job) => job.id)).toEqual(['tick', 'kept']);
    const refused = await relay.call('POST', '/v1/schedules', relay.job('lost'));
    await expectRefused(refused.clone(), 'SQLite answered');
    expect(JSON.stringify(await problemOf(refused))).not.toContain(store);
    await expectNotReady(relay.url, 'SQLite answered');
  });
});

// Tests run as root, which chmod does not stop: an immutable file (chattr +i) refuses root's writes too.
const chattr = requireBinary('chattr', { install: 'apt-get install -y e2fsprogs' });

describe.skipIf(!chattr)('a schedule store whose file is made read-only', () => {
  it('refuses changes while the file cannot be written, and takes them again once it can', async () => {
    const store = await tempStore();
    const relay = await startAdminRelay({ store });
    expect((await relay.call('POST', '/v1/schedules', relay.job('before'))).status).toBe(201);

    execFileSync(chattr as string, ['+i', store]);
    // Undone before the relay closes and the folder is removed (cleanups run last registered first).
    track(store, (file) => execFileSync(chattr as string, ['-i', file]));
    await expectRefused(await relay.call('POST', '/v1/schedules', relay.job('during')), 'is not writable');
    await expectNotReady(relay.url, 'is not writable');
    await expectRefused(await relay.call('POST', '/v1/schedules', relay.job('during')), 'is not writable');
    expect(relay.unavailableLines()).toHaveLength(1);

    execFileSync(chattr as string, ['-i', store]);
    expect((await fetch(`${relay.url}/readyz`)).status).toBe(200);
    expect((await relay.call('POST', '/v1/schedules', relay.job('after'))).status).toBe(201);
    expect(relay.logs.filter((line) => line.msg === 'schedule store writable again')).toHaveLength(1);
    await relay.server.close();

    // What was acknowledged lasted; what was refused was never there.
    const again = await startAdminRelay({ store });
    expect(again.server.scheduler.list().map((job) => job.id)).toEqual(['before', 'after']);
  });
});
