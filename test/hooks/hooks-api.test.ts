// Hooks managed over /v1/hooks, kept in a real SQLite file, reached by the key their URL carries.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listener, nextMessage, problemOf } from '../http/api-relay.js';
import { track } from '../support/cleanup.js';
import { type HookIssued, startHookRelay } from './hook-relay.js';

async function tempHookStore(): Promise<string> {
  const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-hooks-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  return path.join(dir, 'nested', 'hooks.db');
}

describe('/v1/hooks', () => {
  it('adds a hook (201 with its URL, shown once) that publishes to its room under its name', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'deploys', room: 'ops', format: 'slack' });
    expect(hook).toMatchObject({ name: 'deploys', room: 'ops', format: 'slack', declared: false });
    expect(hook.url).toBe(`${relay.url}/hooks/${hook.secret}`);
    const ops = await listener(relay.url, 'ops');
    const heard = nextMessage(ops);
    const response = await relay.deliver(hook.url, { text: 'shipped' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    const { content, meta } = await heard;
    expect(content).toEqual({ text: 'shipped', source: 'slack' });
    expect(meta.from).toEqual({ id: hook.id, userId: `http:${hook.id}`, name: 'deploys', kind: 'http' });
    expect(meta.room).toBe('ops');
  });

  it('lists hooks without their keys or secrets', async () => {
    const relay = await startHookRelay();
    const slack = await relay.addHook({ name: 'deploys', format: 'slack' });
    const github = await relay.addHook({ name: 'repo', format: 'github' });
    const response = await relay.send('/v1/hooks', { method: 'GET', token: 'ops-s3cr3t' });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).not.toContain(slack.secret);
    expect(text).not.toContain(github.secret);
    const { hooks } = JSON.parse(text) as { hooks: Array<Record<string, unknown>> };
    expect(hooks.map((hook) => hook.id)).toEqual([slack.id, github.id]);
    for (const hook of hooks) {
      expect(Object.keys(hook).sort()).toEqual(
        ['allowChannel', 'createdAt', 'declared', 'format', 'id', 'name', 'room'].sort(),
      );
    }
  });

  it('needs the admin scope, and checks the new hook field by field', async () => {
    const relay = await startHookRelay();
    const asPublisher = await relay.send('/v1/hooks', { body: { name: 'x' } });
    expect(asPublisher.status).toBe(403);
    const badRoom = await relay.send('/v1/hooks', {
      body: { name: 'x', room: 'no spaces' },
      token: 'ops-s3cr3t',
    });
    expect(badRoom.status).toBe(400);
    expect(await problemOf(badRoom)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST', field: 'room' });
    const badFormat = await relay.send('/v1/hooks', {
      body: { name: 'x', format: 'teams' },
      token: 'ops-s3cr3t',
    });
    expect(await problemOf(badFormat)).toMatchObject({ field: 'format' });
  });

  it('rotates a key: the old URL answers 404 at once, the new one publishes', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'alerts', format: 'slack' });
    const rotated = await relay.send(`/v1/hooks/${hook.id}/rotate`, { token: 'ops-s3cr3t' });
    expect(rotated.status).toBe(200);
    const fresh = (await rotated.json()) as HookIssued;
    expect(fresh.id).toBe(hook.id);
    expect(fresh.secret).not.toBe(hook.secret);
    const old = await relay.deliver(hook.url, { text: 'old' });
    expect(old.status).toBe(404);
    expect(await problemOf(old)).toMatchObject({ code: 'RELAY_ERR_HOOK_NOT_FOUND' });
    const lobby = await listener(relay.url);
    const heard = nextMessage(lobby);
    expect((await relay.deliver(fresh.url, { text: 'new' })).status).toBe(200);
    expect((await heard).content).toMatchObject({ text: 'new' });
  });

  it('deletes a hook: its URL answers 404, a second delete too', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'alerts', format: 'alertmanager' });
    const deleted = await relay.send(`/v1/hooks/${hook.id}`, { method: 'DELETE', token: 'ops-s3cr3t' });
    expect(deleted.status).toBe(204);
    const delivery = await relay.deliver(hook.url, { alerts: [] });
    expect(delivery.status).toBe(404);
    expect(await problemOf(delivery)).toMatchObject({ code: 'RELAY_ERR_HOOK_NOT_FOUND' });
    const again = await relay.send(`/v1/hooks/${hook.id}`, { method: 'DELETE', token: 'ops-s3cr3t' });
    expect(await problemOf(again)).toMatchObject({ code: 'RELAY_ERR_HOOK_NOT_FOUND' });
  });

  it('deleting a hook removes its delivery series from /metrics, accepted and refused alike', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'alerts', format: 'slack' });
    const kept = await relay.addHook({ name: 'kept', format: 'slack' });
    for (const target of [hook, kept]) {
      expect((await relay.deliver(target.url, { text: 'ok' })).status).toBe(200);
      expect((await relay.deliver(target.url, { nothing: 'to say' })).status).toBe(400);
    }
    const series = async (id: string) =>
      (await (await fetch(`${relay.url}/metrics`)).text())
        .split('\n')
        .filter((line) => line.startsWith(`relay_hook_deliveries_total{hook="${id}"`));
    expect(await series(hook.id)).toHaveLength(2);

    expect((await relay.send(`/v1/hooks/${hook.id}`, { method: 'DELETE', token: 'ops-s3cr3t' })).status).toBe(
      204,
    );
    expect(await series(hook.id)).toEqual([]);
    expect(await series(kept.id)).toHaveLength(2);
  });

  // The workers of `relay serve --workers` share the hooks' file: a hook deleted through one worker is
  // gone for the other too, and so must be the series that other worker counted for it.
  it('drops the series of a hook deleted through another relay sharing its file', async () => {
    const store = await tempHookStore();
    const first = await startHookRelay({ hooks: { store } });
    const second = await startHookRelay({ hooks: { store } });
    const hook = await first.addHook({ name: 'alerts', format: 'slack' });
    const url = hook.url.replace(first.url, second.url);
    expect((await second.deliver(url, { text: 'ok' })).status).toBe(200);
    const series = async () =>
      (await (await fetch(`${second.url}/metrics`)).text())
        .split('\n')
        .filter((line) => line.startsWith(`relay_hook_deliveries_total{hook="${hook.id}"`));
    expect(await series()).toHaveLength(1);
    const deleted = await first.send(`/v1/hooks/${hook.id}`, { method: 'DELETE', token: 'ops-s3cr3t' });
    expect(deleted.status).toBe(204);
    expect(await series()).toEqual([]);
  });

  it('keeps hooks in its SQLite file across restarts, the key only as its SHA-256', async () => {
    const store = await tempHookStore();
    const first = await startHookRelay({ hooks: { store } });
    const hook = await first.addHook({ name: 'deploys', room: 'ops', format: 'slack' });
    await first.server.close();
    const file = readFileSync(store).toString('latin1') + readWal(store);
    expect(file).toContain(hook.id);
    expect(file).not.toContain(hook.secret);

    const second = await startHookRelay({ hooks: { store } });
    const ops = await listener(second.url, 'ops');
    const heard = nextMessage(ops);
    const url = hook.url.replace(first.url, second.url);
    expect((await second.deliver(url, { text: 'after restart' })).status).toBe(200);
    expect((await heard).content).toMatchObject({ text: 'after restart' });
  });

  it('serves config-file hooks, read-only over the API', async () => {
    const key = 'declared-key-0123456789';
    const relay = await startHookRelay({
      hooks: { declared: [{ id: 'grafana', name: 'Grafana', room: 'ops', format: 'grafana', key }] },
    });
    const list = await relay.send('/v1/hooks', { method: 'GET', token: 'ops-s3cr3t' });
    const { hooks } = (await list.json()) as { hooks: Array<Record<string, unknown>> };
    expect(hooks).toEqual([expect.objectContaining({ id: 'grafana', declared: true })]);
    const removed = await relay.send('/v1/hooks/grafana', { method: 'DELETE', token: 'ops-s3cr3t' });
    expect(removed.status).toBe(409);
    expect(await problemOf(removed)).toMatchObject({ code: 'RELAY_ERR_HOOK_DECLARED' });
    const ops = await listener(relay.url, 'ops');
    const heard = nextMessage(ops);
    const delivery = await relay.deliver(`${relay.url}/hooks/${key}`, {
      status: 'firing',
      orgId: 1,
      alerts: [{ status: 'firing', labels: { alertname: 'DiskFull' }, annotations: {} }],
    });
    expect(delivery.status).toBe(200);
    expect((await heard).meta.from.name).toBe('Grafana');
  });

  it('refuses a bad config-file hook at start, naming it', async () => {
    await expect(
      startHookRelay({ hooks: { declared: [{ id: 'x', name: 'x', key: 'short' }] } }),
    ).rejects.toThrow(/hooks\.declared\[0\]\.key/);
  });
});

function readWal(store: string): string {
  try {
    return readFileSync(`${store}-wal`).toString('latin1');
  } catch {
    return '';
  }
}
