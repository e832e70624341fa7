// Pools the paired rounds of several bench runs (bench/results/*.json) into one median ratio per case and
// metric. On a shared machine a single run's median moves by more than a 10 % target's margin; the rounds
// of several runs of the same code, each paired with the other server's round of the same run, say more.
// Usage: tsx bench/pool-rounds.ts bench/results/full.json bench/results/targets-12-rounds.json …
import { readFileSync } from 'node:fs';
import { type CaseResult, meetsTarget, pairedRatios, targetText } from './report.js';
import { median } from './stats.js';

interface Pool {
  readonly label: string;
  readonly target: { readonly min?: number; readonly max?: number };
  readonly ratios: number[];
  readonly runs: Set<string>;
}

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: tsx bench/pool-rounds.ts RESULTS.json [RESULTS.json …]');

const pools = new Map<string, Pool>();
for (const file of files) {
  const { meta, results } = JSON.parse(readFileSync(file, 'utf8')) as {
    meta: { commit?: string };
    results: CaseResult[];
  };
  for (const result of results) {
    for (const metric of result.metrics) {
      const target = metric.spec.target;
      if (!target) continue; // the targets are what pooling is for
      const key = `${result.id} ${metric.spec.key}`;
      const pool = pools.get(key) ?? {
        label: `${result.title}: ${metric.spec.label}`,
        target,
        ratios: [],
        runs: new Set<string>(),
      };
      pool.ratios.push(...pairedRatios(metric.perRound).filter((ratio) => Number.isFinite(ratio)));
      pool.runs.add(`${file} (${meta.commit ?? '?'})`);
      pools.set(key, pool);
    }
  }
}

const lines = [
  '| case: metric | rounds | runs | pooled median ratio | lowest–highest | rounds meeting the target |',
];
lines.push('| --- | ---: | ---: | ---: | :---: | ---: |');
for (const pool of pools.values()) {
  const sorted = [...pool.ratios].sort((a, b) => a - b);
  const met = sorted.filter((r) => meetsTarget(r, pool.target)).length;
  lines.push(
    `| ${pool.label} (${targetText(pool.target)}) | ${sorted.length} | ${pool.runs.size} | ${median(sorted).toFixed(2)} | ${(sorted[0] ?? Number.NaN).toFixed(2)}–${(sorted.at(-1) ?? Number.NaN).toFixed(2)} | ${Math.round((met / Math.max(1, sorted.length)) * 100)} % |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
