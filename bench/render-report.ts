// Re-renders a results JSON (bench/results/NAME.json) into its Markdown, recomputing medians, ratios and
// verdicts from the per-round numbers: for when the report's arithmetic or layout changes after a run.
// Usage: tsx bench/render-report.ts bench/results/full.json
import { readFileSync, writeFileSync } from 'node:fs';
import { type CaseResult, reportMarkdown, summariseMetric } from './report.js';

const file = process.argv[2];
if (!file?.endsWith('.json')) throw new Error('usage: tsx bench/render-report.ts RESULTS.json');
const { meta, results } = JSON.parse(readFileSync(file, 'utf8')) as {
  meta: Record<string, unknown>;
  results: CaseResult[];
};
const recomputed = results.map((r) => ({
  ...r,
  metrics: r.metrics.map((m) => summariseMetric(m.spec, m.perRound)),
}));
writeFileSync(file, `${JSON.stringify({ meta, results: recomputed }, null, 2)}\n`);
writeFileSync(file.replace(/\.json$/, '.md'), reportMarkdown(meta, recomputed));
console.log(`re-rendered ${file} and its .md`);
