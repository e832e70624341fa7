// What the history adds to one message on the publish path, when messages come one per event-loop turn
// (a chat room, a bot's reply, fan-out at 100 msg/s: no group commit to share): Relay.publish until
// `committed` (stored, then delivered), history off vs on, in one process on a real SQLite file. Reports
// CPU per message (process.cpuUsage, so every thread counts) and publish→committed latency p50/p99/max.
// Usage: tsx bench/history-turn-micro.ts [MESSAGES] [ROUNDS]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelayServer } from '../src/index.js';

const messages = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 2);
const content = 'x'.repeat(100);
const from = { id: 'bench', name: 'bench', kind: 'http' } as const;
const dir = mkdtempSync(join(tmpdir(), 'relaykit-turn-bench-'));
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function run(history: boolean, round: number) {
  const server = createRelayServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    rateLimit: false,
    scheduler: { store: ':memory:' },
    history: history ? { store: join(dir, `turn-${round}.db`) } : false,
  });
  await server.listen();
  const publishOne = async () => {
    const t = performance.now();
    await server.relay.publish(content, { from, room: 'lobby' }).committed;
    return performance.now() - t;
  };
  for (let i = 0; i < 500; i += 1) {
    await publishOne();
    await turn();
  }
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < messages; i += 1) {
    samples.push(await publishOne());
    await turn();
  }
  const used = process.cpuUsage(cpu);
  await server.close();
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) =>
    ((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0) * 1000).toFixed(0);
  const slow = samples.filter((ms) => ms > 1).length;
  return {
    cpuUs: (used.user + used.system) / messages,
    latency: `p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)}, p99.9 ${at(0.999)} µs; over 1 ms: ${slow}`,
  };
}

for (let round = 0; round < rounds; round += 1) {
  for (const history of round % 2 === 0 ? [false, true] : [true, false]) {
    const { cpuUs, latency } = await run(history, round);
    process.stdout.write(
      `history ${history ? 'on ' : 'off'}: ${cpuUs.toFixed(1)} µs CPU per message; publish→committed ${latency}\n`,
    );
  }
}
rmSync(dir, { recursive: true, force: true });
