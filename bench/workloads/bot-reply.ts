import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLoadWorker } from '../bench-processes.js';
import type { RoundTrips } from '../load/load-protocol.js';
import { summarise } from '../stats.js';
import { relaykitSetup, type WorkloadCase } from './workload-case.js';

// A plugins folder with the shipped ping bot only, so that no other bot answers or greets; one per bench
// process, removed when it exits.
let pluginsDir: string | undefined;
function pingOnlyPlugins(): string {
  if (pluginsDir) return pluginsDir;
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-bench-plugins-'));
  pluginsDir = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const ping = fileURLToPath(new URL('../../plugins/ping.ts', import.meta.url));
  writeFileSync(join(dir, 'ping.ts'), `export { default } from ${JSON.stringify(ping)};\n`);
  return dir;
}

/**
 * Workload 6, bot reply: a user says `!ping` and waits for the reply containing "pong", `pings` times in a
 * row. RelayKit runs the shipped ping plugin as an in-process bot (a socket.io client of its own relay);
 * the bare server answers `pong` inline in its `sendMessage` handler, the least a bot could cost.
 */
export function botReplyCase(pings: number, intervalMs: number): WorkloadCase {
  return {
    id: 'bot-ping',
    workload: 'bot',
    title: 'Bot reply: `!ping` until the `pong` arrives',
    params: { pings, intervalMs },
    metrics: [
      { key: 'p50', headline: true, label: 'reply p50', unit: 'ms', better: 'lower', digits: 2 },
      { key: 'p99', headline: true, label: 'reply p99', unit: 'ms', better: 'lower', digits: 2 },
      { key: 'failed', label: 'pings without a reply', unit: '', better: 'lower' },
    ],
    setup: (target) =>
      target === 'bare'
        ? { options: { ping: true }, notes: [] }
        : relaykitSetup(
            {
              plugins: pingOnlyPlugins(),
              rateLimit: { burst: 20, perSecond: 100 },
              botRateLimit: { burst: 20, perSecond: 100 },
            },
            [
              `RelayKit runs plugins/ping.ts only; user and bot rate limits raised to 100/s (defaults 10/s and 5/s) for one ping every ${intervalMs} ms; the bare server answers "pong" inline, without any bot`,
            ],
          ),
    run: async (server, settings) => {
      const pinger = await startLoadWorker();
      try {
        const ping = (count: number) =>
          pinger.call<RoundTrips>({
            cmd: 'ping',
            url: server.url,
            transport: settings.transport,
            count,
            intervalMs,
            timeoutMs: 3000,
          });
        await ping(Math.min(10, pings));
        const trips = await ping(pings);
        const latency = summarise(trips.samples);
        return { p50: latency.p50, p99: latency.p99, failed: trips.failed };
      } finally {
        await pinger.close();
      }
    },
  };
}
