import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { track } from './cleanup.js';
import { freePort } from './free-port.js';

/** A real Prometheus Alertmanager on a free port, stopped (and its data removed) after the test. */
export interface AlertmanagerProcess {
  /** `http://127.0.0.1:port` */
  readonly url: string;
  /** Posts alerts to its API v2 (`POST /api/v2/alerts`). */
  postAlerts(alerts: readonly Record<string, unknown>[]): Promise<void>;
}

/**
 * Starts `binary` (Debian's `prometheus-alertmanager`) with one route to a `webhook_configs` receiver
 * at `webhookUrl` (resolved alerts sent too), grouping by alert name with 1 s waits so that tests see
 * notifications quickly, clustering off, and waits until `/-/ready` answers.
 */
export async function startAlertmanager(binary: string, webhookUrl: string): Promise<AlertmanagerProcess> {
  const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-alertmanager-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  const config = path.join(dir, 'alertmanager.yml');
  await writeFile(
    config,
    [
      'global:',
      '  resolve_timeout: 1s',
      'route:',
      '  receiver: relay',
      "  group_by: ['alertname']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: relay',
      '    webhook_configs:',
      `      - url: ${JSON.stringify(webhookUrl)}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  track(child, async (process) => {
    if (process.exitCode !== null || process.signalCode !== null) return;
    process.kill('SIGTERM');
    await once(process, 'exit');
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited: ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`alertmanager not ready within 15 s: ${stderr}`);
    await delay(100);
  }
  return {
    url,
    async postAlerts(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!response.ok)
        throw new Error(`alertmanager refused the alerts: ${response.status} ${await response.text()}`);
    },
  };
}
