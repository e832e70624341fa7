// A real Prometheus Alertmanager fires and resolves an alert; its webhook notifications reach the room.
import { describe, expect, it } from 'vitest';
import type { MessageContent, MessageMeta } from '../../src/index.js';
import { listener } from '../http/api-relay.js';
import type { TestClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startAlertmanager } from '../support/start-alertmanager.js';
import { startHookRelay } from './hook-relay.js';

const ALERTMANAGER = requireBinary('prometheus-alertmanager', {
  paths: ['/usr/bin/prometheus-alertmanager'],
  install: 'apt-get install -y prometheus-alertmanager',
});

// The first announcement `client` hears whose content matches, within `timeoutMs`.
function nextMatching(
  client: TestClient,
  matches: (content: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<{ content: Record<string, unknown>; meta: MessageMeta }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('sendMessageFromBack', onMessage);
      reject(new Error(`no matching announcement within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (content: MessageContent, meta: MessageMeta) => {
      if (typeof content !== 'object' || !matches(content as Record<string, unknown>)) return;
      clearTimeout(timer);
      client.off('sendMessageFromBack', onMessage);
      resolve({ content: content as Record<string, unknown>, meta });
    };
    client.on('sendMessageFromBack', onMessage);
  });
}

describe.skipIf(!ALERTMANAGER)('a real Prometheus Alertmanager', () => {
  it('fires and resolves an alert posted to its API: both announcements arrive in the room', async () => {
    const relay = await startHookRelay();
    const hook = await relay.addHook({ name: 'Alertmanager', room: 'ops', format: 'alertmanager' });
    const alertmanager = await startAlertmanager(ALERTMANAGER as string, hook.url);
    const ops = await listener(relay.url, 'ops');
    const labels = { alertname: 'RelayKitTestAlert', instance: 'api-1:9100', severity: 'page' };
    const annotations = { summary: 'p99 latency over 2s on api-1' };
    const startsAt = new Date(Date.now() - 60_000).toISOString();

    const firing = nextMatching(ops, (content) => content.status === 'firing');
    await alertmanager.postAlerts([
      { labels, annotations, startsAt, generatorURL: 'http://prometheus.invalid/graph' },
    ]);
    const fired = await firing;
    expect(fired.meta.from).toEqual({
      id: hook.id,
      userId: `http:${hook.id}`,
      name: 'Alertmanager',
      kind: 'http',
    });
    expect(fired.meta.room).toBe('ops');
    expect(fired.content).toMatchObject({
      title: '[FIRING:1] RelayKitTestAlert',
      source: 'alertmanager',
      link: `${alertmanager.url}/`,
    });
    expect(fired.content.text).toContain('• firing: p99 latency over 2s on api-1 (api-1:9100)');

    const resolving = nextMatching(ops, (content) => content.status === 'resolved');
    await alertmanager.postAlerts([
      { labels, annotations, startsAt, endsAt: new Date(Date.now() - 1000).toISOString() },
    ]);
    const resolved = await resolving;
    expect(resolved.content).toMatchObject({ title: '[RESOLVED:1] RelayKitTestAlert', color: '#2eb67d' });
    expect(resolved.content.text).toContain('• resolved: p99 latency over 2s on api-1 (api-1:9100)');
  }, 60_000);
});
