// `relay serve --workers 2`: /metrics answers for both workers whichever one the scrape reaches. Real
// processes (a primary and two node:cluster workers), real clients through the primary's sticky balancer.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMetrics, metricValue, promtool } from '../support/check-metrics.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { spawnRelayCli } from '../support/spawn-relay-cli.js';

// A new connection each time: the primary hands each connection to one worker.
const fresh = { headers: { connection: 'close' } };

describe('relay serve --workers: /metrics', () => {
  it('sums every worker’s metrics on every scrape, counting shared jobs once, in text promtool accepts', {
    timeout: 60_000,
  }, async () => {
    const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-workers-metrics-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const config = [
      'api:',
      '  tokens: ["ci:s3cr3t-token:publish"]',
      'schedules:',
      '  - { id: new-year, cron: "0 0 1 1 *", content: happy new year }',
      '',
    ];
    await writeFile(path.join(cwd, 'relay.config.yaml'), config.join('\n'));
    const relay = spawnRelayCli(
      ['serve', '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--log-format', 'json'],
      { cwd, env: { RELAY_DRAIN_DELAY_MS: '0', RELAY_GREETING: 'none' } },
    );
    const url = (await relay.waitForLog((line) => line.msg === 'relay started', 30_000)).url as string;
    for (const worker of [1, 2]) {
      await relay.waitForLog((line) => line.msg === 'relay attached' && line.worker === worker);
    }
    // No bots here: least-connection balancing puts one client on each worker.
    const clients = [];
    for (let index = 0; index < 2; index++) {
      const client = await connectClient(url, { transports: ['websocket'] });
      const id = client.id;
      await relay.waitForLog((line) => line.msg === 'client connected' && line.socket === id);
      clients.push(client);
    }
    const workers = clients.map(
      (client) =>
        relay.stdout
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .find((line) => line.msg === 'client connected' && line.socket === client.id)?.worker,
    );
    expect(new Set(workers)).toEqual(new Set([1, 2]));
    for (let index = 0; index < 4; index++) {
      const answer = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: {
          ...fresh.headers,
          authorization: 'Bearer s3cr3t-token',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ content: `announcement ${index}` }),
      });
      expect(answer.status).toBe(202);
    }

    // One worker alone would show one client and only the announcements it took.
    for (let scrape = 0; scrape < 4; scrape++) {
      const answer = await fetch(`${url}/metrics`, fresh);
      expect(answer.status).toBe(200);
      const text = await answer.text();
      expect(metricValue(text, 'relay_workers_scraped')).toBe(2);
      expect(metricValue(text, 'relay_workers_unanswered')).toBe(0);
      expect(metricValue(text, 'relay_connected_sockets{kind="user"}')).toBe(2);
      expect(metricValue(text, 'relay_messages_published_total{source="http"}')).toBe(4);
      // Both workers have the config job: it is one job.
      expect(metricValue(text, 'relay_schedule_jobs{origin="config",state="active"}')).toBe(1);
      expect(metricValue(text, 'relay_history_store_available')).toBe(1);
      if (scrape === 0 && promtool)
        expect(await checkMetrics(promtool, text)).toEqual({ code: 0, output: '' });
    }
    for (const client of clients) client.disconnect();
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});
