// `npx tsx bench/webhooks-fanout.ts`: what subscribed outgoing-webhook endpoints cost a message that
// triggers none of them. The fan-out workload of `npm run bench`, against three servers in turn every
// round (their order rotating): the bare socket.io server, RelayKit as in `npm run bench`, and the same
// RelayKit with N webhook endpoints watching the fan-out room (the lobby) whose triggers never match the
// bench's messages (prefixes, words and regular expressions, as users write them). The ratios are taken
// round by round, between servers measured minutes apart on the same machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { closeLoadWorkers, startServer, type Target } from './bench-processes.js';
import { median } from './stats.js';
import { fanOutCase } from './workloads/fan-out.js';
import type { RunSettings } from './workloads/workload-case.js';

const args = yargs(process.argv.slice(2))
  .scriptName('npx tsx bench/webhooks-fanout.ts')
  .option('clients', { type: 'number', default: 1000, describe: 'fan-out receivers' })
  .option('load', { type: 'number', default: 10_000, describe: 'offered deliveries/s' })
  .option('endpoints', { type: 'number', default: 10, describe: 'webhook endpoints that do not match' })
  .option('rounds', { type: 'number', default: 2 })
  .option('duration', { type: 'number', default: 3000, describe: 'ms of measured load per run' })
  .option('warmup', { type: 'number', default: 500, describe: 'ms of unmeasured load first' })
  .option('cpu-prof', { type: 'boolean', default: false, describe: 'profile the servers (--cpu-prof)' })
  .option('out', { type: 'string', default: 'bench/results' })
  .option('name', { type: 'string', default: 'webhooks-fanout' })
  .strict()
  .help()
  .parseSync();

type Server = 'bare' | 'relaykit' | 'webhooks';
const SERVERS: readonly Server[] = ['bare', 'relaykit', 'webhooks'];
const METRICS = [
  { key: 'deliveriesPerSecond', label: 'deliveries/s', digits: 0 },
  { key: 'p50', label: 'latency p50 (ms)', digits: 1 },
  { key: 'p99', label: 'latency p99 (ms)', digits: 1 },
  { key: 'serverCpuPct', label: 'server CPU (%)', digits: 1 },
] as const;

/** Endpoints watching the lobby whose triggers never match a bench message (`fan|1|…|xxxx…`). */
function idleEndpoints(count: number): object[] {
  const triggers = [
    { prefix: '!deploy' },
    { words: ['deploy', 'rollback', 'incident'] },
    { regex: '^!(status|uptime)\\b' },
    { prefix: '/weather' },
    { words: ['standup'] },
    { regex: '\\bJIRA-\\d+\\b' },
  ];
  return Array.from({ length: count }, (_, i) => ({
    id: `idle-${i}`,
    url: `https://bots-${i}.example.com/hook`,
    rooms: ['lobby'],
    trigger: triggers[i % triggers.length],
    secret: `whsec_${Buffer.from(`relaykit-bench-webhook-secret-${i}`).toString('base64')}`,
  }));
}

const c = fanOutCase(args.clients, args.load);
const settings: RunSettings = {
  transport: 'websocket',
  bareParser: 'json',
  clientProcs: 1,
  bytes: 100,
  kind: 'string',
  durationMs: args.duration,
  warmupMs: args.warmup,
};
const outDir = resolve(args.out);
mkdirSync(outDir, { recursive: true });
const log = (line: string) => process.stderr.write(`${line}\n`);
const rounds: Record<Server, Array<Record<string, number>>> = { bare: [], relaykit: [], webhooks: [] };
const loadAtStart = loadavg()[0];

for (let round = 0; round < args.rounds; round += 1) {
  // Each server goes first, second and third in turn.
  const order = SERVERS.map((_, i) => SERVERS[(i + round) % SERVERS.length] as Server);
  for (const server of order) {
    const target: Target = server === 'bare' ? 'bare' : 'relaykit';
    const setup = c.setup(target).options as { relay?: object; notes?: readonly string[] };
    const options =
      server === 'webhooks'
        ? { ...setup, relay: { ...setup.relay, webhooks: { endpoints: idleEndpoints(args.endpoints) } } }
        : setup;
    const profileDir = args['cpu-prof'] ? join(outDir, 'profiles', args.name, server) : undefined;
    const handle = await startServer(target, options, profileDir);
    try {
      const measured = await c.run(handle, settings);
      rounds[server].push(measured);
      log(
        `[${args.name}] round ${round + 1}/${args.rounds} ${server}: ${METRICS.map((m) => `${m.key}=${measured[m.key]?.toFixed(2)}`).join(' ')}`,
      );
    } finally {
      const warnings = await handle.stop();
      if (warnings.length > 0) log(`[${args.name}] ${server} logged ${warnings.join(', ')}`);
    }
  }
}
await closeLoadWorkers();

// The median of the per-round ratios of `a` to `b`, and their range.
function ratio(key: string, a: Server, b: Server): string {
  const each = rounds[a].map(
    (values, i) => (values[key] ?? Number.NaN) / (rounds[b][i]?.[key] ?? Number.NaN),
  );
  const finite = each.filter(Number.isFinite);
  if (finite.length === 0) return 'n/a';
  return `${median(finite).toFixed(2)} (${Math.min(...finite).toFixed(2)}–${Math.max(...finite).toFixed(2)})`;
}

const format = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const lines = [
  `# ${c.title}, with ${args.endpoints} webhook endpoints that do not match`,
  '',
  `${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${args.rounds} rounds, load average ${loadAtStart?.toFixed(1)} → ${loadavg()[0]?.toFixed(1)}`,
  '',
  `| metric | bare | RelayKit | RelayKit + ${args.endpoints} endpoints | with ÷ without endpoints | with endpoints ÷ bare | RelayKit ÷ bare |`,
  '| --- | ---: | ---: | ---: | :---: | :---: | :---: |',
  ...METRICS.map((m) => {
    const med = (server: Server) =>
      format(median(rounds[server].map((r) => r[m.key] ?? Number.NaN)), m.digits);
    return `| ${m.label} | ${med('bare')} | ${med('relaykit')} | ${med('webhooks')} | ${ratio(m.key, 'webhooks', 'relaykit')} | ${ratio(m.key, 'webhooks', 'bare')} | ${ratio(m.key, 'relaykit', 'bare')} |`;
  }),
  '',
  'Ratios: median of the per-round ratios (lowest–highest).',
  '',
];
const markdown = lines.join('\n');
writeFileSync(join(outDir, `${args.name}.md`), markdown);
writeFileSync(join(outDir, `${args.name}.json`), `${JSON.stringify({ args, rounds }, null, 2)}\n`);
process.stdout.write(markdown);
