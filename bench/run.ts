// `npm run bench`: RelayKit and the bare seed server, each in its own process, driven by the same
// workloads from separate load-generator processes, alternating targets every round.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBenchOptions } from './bench-options.js';
import { closeLoadWorkers, type ServerHandle, startServer, type Target } from './bench-processes.js';
import { planCases } from './plan-cases.js';
import { type CaseResult, type CaseRounds, caseMarkdown, reportMarkdown, summariseCase } from './report.js';
import type { RunSettings, ServerSetup } from './workloads/workload-case.js';

const options = parseBenchOptions(process.argv.slice(2));
const outDir = resolve(options.out);
mkdirSync(outDir, { recursive: true });
const profileDir = options.cpuProf ? join(outDir, 'profiles') : undefined;
const settings: RunSettings = {
  transport: options.transport,
  bareParser: options.bareParser,
  clientProcs: options.clientProcs,
  bytes: options.bytes,
  kind: options.content,
  durationMs: options.durationMs,
  warmupMs: options.warmupMs,
};

const commit = (() => {
  try {
    return (
      process.env.BENCH_COMMIT ??
      execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    );
  } catch {
    return 'unknown';
  }
})();
const meta: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
  node: process.version,
  commit,
  rounds: options.rounds,
  transport: options.transport,
  contentKind: options.content,
  bytes: options.bytes,
  loadAverageAtStart: loadavg()[0],
  options,
};
if (Object.keys(options.relayOptions).length > 0) meta.relayOptions = options.relayOptions;
if (options.bareMeta) meta.bareMeta = true;
if (options.bareParser !== 'json') meta.bareParser = options.bareParser;
if (options.bareDurable) meta.bareDurable = true;

// --relay-options: the same extra RelayKit settings in every case, named in the notes. --bare-meta and
// --bare-durable: the bare server's control modes, also named.
function withRunOptions(setup: ServerSetup, target: Target): ServerSetup {
  if (target === 'bare' && (options.bareMeta || options.bareDurable || options.bareParser !== 'json')) {
    const notes = [...setup.notes];
    if (options.bareMeta)
      notes.push(
        'control run (--bare-meta): the bare server sends a RelayKit-shaped meta and offset after every message',
      );
    if (options.bareDurable)
      notes.push(
        'control run (--bare-durable): the bare server inserts every message into a SQLite file before sending it',
      );
    if (options.bareParser !== 'json')
      notes.push(
        `the bare server and its clients use socket.io-msgpack-parser (--bare-parser ${options.bareParser})`,
      );
    return {
      options: {
        ...setup.options,
        meta: options.bareMeta,
        parser: options.bareParser,
        durable: options.bareDurable,
      },
      notes,
    };
  }
  if (target !== 'relaykit' || Object.keys(options.relayOptions).length === 0) return setup;
  const given = setup.options as { relay?: object; notes?: readonly string[] };
  const notes = [
    ...setup.notes,
    `RelayKit run with ${JSON.stringify(options.relayOptions)} (--relay-options)`,
  ];
  return { options: { relay: { ...given.relay, ...options.relayOptions }, notes }, notes };
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const results: CaseResult[] = [];
const started = performance.now();

for (const c of planCases(options)) {
  const rounds: CaseRounds & { errors: string[] } = {
    case: c,
    rounds: { relaykit: [], bare: [] },
    notes: [],
    errors: [],
  };
  const notes = new Set<string>();
  if (!c.pending) {
    const count = Math.min(options.rounds, c.maxRounds ?? options.rounds);
    for (let round = 0; round < count; round += 1) {
      const order: Target[] = round % 2 === 0 ? ['relaykit', 'bare'] : ['bare', 'relaykit'];
      for (const target of order) {
        const setup = withRunOptions(c.setup(target), target);
        for (const note of setup.notes) notes.add(note);
        let server: ServerHandle | undefined;
        try {
          server = await startServer(target, setup.options, profileDir && join(profileDir, c.id, target));
          const measured = await c.run(server, settings);
          rounds.rounds[target].push(measured);
          const shown = Object.entries(measured)
            .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
            .join(' ');
          log(`[${c.id}] round ${round + 1}/${count} ${target}: ${shown}`);
        } catch (error) {
          rounds.errors.push(`${target}, round ${round + 1}: ${(error as Error).message}`);
          // An empty round keeps the two servers' rounds paired by index; its values read as NaN and
          // medians and ratios skip them.
          rounds.rounds[target].push({});
          log(`[${c.id}] round ${round + 1}/${count} ${target}: FAILED ${(error as Error).message}`);
        } finally {
          const warnings = (await server?.stop()) ?? [];
          if (warnings.length > 0) {
            const note = `${target}, round ${round + 1}: the server logged ${warnings.join(', ')}`;
            notes.add(note);
            log(`[${c.id}] ${note}`);
          }
        }
      }
    }
  } else {
    log(`[${c.id}] pending: ${c.pending}`);
  }
  const result = summariseCase({ ...rounds, notes: [...notes] });
  results.push(result);
  log(`\n${caseMarkdown(result)}`);
}

await closeLoadWorkers();
meta.durationSeconds = Math.round((performance.now() - started) / 1000);
meta.loadAverageAtEnd = loadavg()[0];
const markdown = reportMarkdown(meta, results);
writeFileSync(join(outDir, `${options.name}.json`), `${JSON.stringify({ meta, results }, null, 2)}\n`);
writeFileSync(join(outDir, `${options.name}.md`), markdown);
process.stdout.write(markdown);
log(
  `\nwrote ${join(outDir, `${options.name}.json`)} and ${options.name}.md in ${String(meta.durationSeconds)} s`,
);
const failed = results.some((r) => r.errors.length > 0);
process.exitCode = failed ? 1 : 0;
