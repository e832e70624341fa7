// What a small piece of work costs when it runs right after the process woke up, as a relay's per-message
// work does at 100 msg/s (the loop sleeps ~10 ms between messages), against the same work back to back
// in a loop, as micro-benchmarks run it. Each piece: CPU (process.cpuUsage) and wall time per call, both
// ways, in one process. On the 2-vCPU VM of bench/README.md the woken-up costs are 5–25× the looped ones,
// which is why per-message costs measured in a loop understate what they cost a server under fan-out.
// Usage: tsx bench/wake-cost-micro.ts [CALLS]
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const calls = Number(process.argv[2] ?? 300);
const GAP_MS = 10;
const dir = mkdtempSync(join(tmpdir(), 'relaykit-wake-bench-'));
const file = join(dir, 'wake.db');
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE messages (seq INTEGER PRIMARY KEY, content TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO messages (content) VALUES (?)');
const meta = {
  id: '01a23e98-5a36-73f8-b850-2b10ac88bab0',
  from: { id: 'maOcAOFVOjo9nf9TAAAA', name: 'guest-5d4e', kind: 'user', userId: 'anon:maOcAOFVOjo9nf9TAAAA' },
  room: 'lobby',
  at: '2026-12-04T01:08:21.686Z',
};

const pieces: Record<string, () => void> = {
  'nothing (what measuring costs)': () => {},
  'file check (stat + access)': () => {
    statSync(file);
    accessSync(file, constants.W_OK);
  },
  'JSON.stringify of a meta': () => {
    JSON.stringify(meta);
  },
  'SQLite insert, one commit (WAL)': () => {
    insert.run('x'.repeat(100));
  },
};

interface Cost {
  cpuUs: number;
  wallUs: number;
}

function once(work: () => void): Cost {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  work();
  const wallUs = Number(process.hrtime.bigint() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { cpuUs: used.user + used.system, wallUs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
const summary = (costs: Cost[]): Cost => ({
  cpuUs: median(costs.map((c) => c.cpuUs)),
  wallUs: median(costs.map((c) => c.wallUs)),
});

function looped(work: () => void): Cost {
  for (let i = 0; i < 1000; i += 1) work();
  return summary(Array.from({ length: calls }, () => once(work)));
}

async function wokenUp(work: () => void): Promise<Cost> {
  const costs: Cost[] = [];
  for (let i = 0; i < calls; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    costs.push(once(work));
  }
  return summary(costs);
}

const rows: string[] = [];
for (const [name, work] of Object.entries(pieces)) {
  const loop = looped(work);
  const woken = await wokenUp(work);
  const ratio = loop.wallUs > 0 ? (woken.wallUs / loop.wallUs).toFixed(1) : '–';
  rows.push(
    `| ${name} | ${loop.cpuUs.toFixed(1)} | ${loop.wallUs.toFixed(1)} | ${woken.cpuUs.toFixed(1)} | ${woken.wallUs.toFixed(1)} | ${ratio} |`,
  );
}
db.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  [
    `medians of ${calls} calls; woken up: one call ${GAP_MS} ms after the previous, the loop otherwise idle`,
    '',
    '| work | looped CPU (µs) | looped wall (µs) | woken-up CPU (µs) | woken-up wall (µs) | wall ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n'),
);
