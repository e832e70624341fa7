// Turns per-round measurements into the report: medians per target, RelayKit ÷ bare ratios, verdicts
// against the targets, as Markdown tables and a JSON document.
import type { Target } from './bench-processes.js';
import { median } from './stats.js';
import type { MetricSpec, WorkloadCase } from './workloads/workload-case.js';

/** Every round's numbers for one case, by target. */
export interface CaseRounds {
  readonly case: WorkloadCase;
  readonly rounds: Record<Target, Array<Record<string, number>>>;
  readonly notes: readonly string[];
  readonly errors: readonly string[];
}

/** One metric of one case in the report. */
export interface MetricResult {
  readonly spec: MetricSpec;
  readonly relaykit: number;
  readonly bare: number;
  readonly ratio: number;
  /** 'met' / 'missed' against the target; absent when the metric has none. */
  readonly verdict?: 'met' | 'missed';
  readonly perRound: Record<Target, number[]>;
  /**
   * The lowest and highest per-round ratio: how far this machine's noise moves the ratio. A median
   * outside the target with a range across it is a miss within noise, not a clear one.
   */
  readonly ratioRange?: readonly [number, number];
}

/** One case in the report. */
export interface CaseResult {
  readonly id: string;
  readonly workload: string;
  readonly title: string;
  readonly params: Readonly<Record<string, number | string>>;
  readonly notes: readonly string[];
  readonly errors: readonly string[];
  readonly pending?: string;
  readonly metrics: readonly MetricResult[];
}

const ratioOf = (relaykit: number, bare: number) =>
  bare === 0 ? (relaykit === 0 ? 1 : Number.POSITIVE_INFINITY) : relaykit / bare;

/** Each round's RelayKit ÷ bare ratio, RelayKit's round i paired with bare's round i (NaN for a failed one). */
export function pairedRatios(perRound: Record<Target, readonly number[]>): number[] {
  const pairs = Math.min(perRound.relaykit.length, perRound.bare.length);
  return Array.from({ length: pairs }, (_, i) =>
    ratioOf(perRound.relaykit[i] ?? Number.NaN, perRound.bare[i] ?? Number.NaN),
  );
}

/** Whether a RelayKit ÷ bare ratio is within the target. */
export function meetsTarget(ratio: number, target: NonNullable<MetricSpec['target']>): boolean {
  return (
    (target.min === undefined || ratio >= target.min) && (target.max === undefined || ratio <= target.max)
  );
}

/**
 * One metric over rounds: the median of each server's values, and as the ratio the median of the
 * per-round ratios — each round's two runs are back to back, so pairing them cancels much of a busy
 * machine's drift (the ratio of the medians when rounds cannot be paired).
 */
export function summariseMetric(spec: MetricSpec, perRound: Record<Target, number[]>): MetricResult {
  const relaykit = median(perRound.relaykit);
  const bare = median(perRound.bare);
  const paired = pairedRatios(perRound);
  const pairedRatio = median(paired);
  const finite = paired.filter((r) => Number.isFinite(r));
  const ratioRange = finite.length > 1 ? ([Math.min(...finite), Math.max(...finite)] as const) : undefined;
  const ratio = Number.isNaN(pairedRatio) ? ratioOf(relaykit, bare) : pairedRatio;
  let verdict: MetricResult['verdict'];
  if (spec.target && Number.isFinite(ratio)) verdict = meetsTarget(ratio, spec.target) ? 'met' : 'missed';
  return {
    spec,
    relaykit,
    bare,
    ratio,
    perRound,
    ...(verdict ? { verdict } : {}),
    ...(ratioRange ? { ratioRange } : {}),
  };
}

/** Medians, ratios and verdicts of one case. */
export function summariseCase(rounds: CaseRounds): CaseResult {
  const { case: c } = rounds;
  const metrics = c.metrics.map((spec) =>
    summariseMetric(spec, {
      relaykit: rounds.rounds.relaykit.map((r) => r[spec.key] ?? Number.NaN),
      bare: rounds.rounds.bare.map((r) => r[spec.key] ?? Number.NaN),
    }),
  );
  return {
    id: c.id,
    workload: c.workload,
    title: c.title,
    params: c.params,
    notes: rounds.notes,
    errors: rounds.errors,
    ...(c.pending ? { pending: c.pending } : {}),
    metrics,
  };
}

function format(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The target as the tables print it: `≥ 0.9`, `≤ 1.1`, or nothing. */
export function targetText(target: MetricSpec['target']): string {
  if (!target) return '';
  const parts = [];
  if (target.min !== undefined) parts.push(`≥ ${target.min}`);
  if (target.max !== undefined) parts.push(`≤ ${target.max}`);
  return parts.join(', ');
}

function rangeText(m: MetricResult): string {
  return m.ratioRange ? `${format(m.ratioRange[0], 2)}–${format(m.ratioRange[1], 2)}` : '';
}

/** The Markdown table of one case (or its pending reason). */
export function caseMarkdown(result: CaseResult): string {
  const lines = [`### ${result.title}`, ''];
  if (result.pending) return [...lines, `_Pending: ${result.pending}_`, ''].join('\n');
  lines.push('| metric | RelayKit | bare socket.io | RelayKit ÷ bare | per-round ratios | target | |');
  lines.push('| --- | ---: | ---: | ---: | :---: | :---: | :---: |');
  for (const m of result.metrics) {
    const unit = m.spec.unit ? ` (${m.spec.unit})` : '';
    const mark = m.verdict === 'met' ? '✅' : m.verdict === 'missed' ? '❌' : '';
    lines.push(
      `| ${m.spec.label}${unit} | ${format(m.relaykit, m.spec.digits)} | ${format(m.bare, m.spec.digits)} | ${format(m.ratio, 2)} | ${rangeText(m)} | ${targetText(m.spec.target)} | ${mark} |`,
    );
  }
  lines.push('');
  for (const note of result.notes) lines.push(`- ${note}`);
  for (const error of result.errors) lines.push(`- **error:** ${error}`);
  if (result.notes.length + result.errors.length > 0) lines.push('');
  return lines.join('\n');
}

/** One table of the headline metrics of every case: what the README shows. */
export function summaryMarkdown(results: readonly CaseResult[]): string {
  const lines = [
    '| workload | metric | RelayKit | bare socket.io | RelayKit ÷ bare | per-round ratios | target |',
    '| --- | --- | ---: | ---: | ---: | :---: | :---: |',
  ];
  for (const result of results) {
    const where = result.title.replace(/^[^:]*: /, '').replace(/\|/g, '/');
    const name = `${result.workload}: ${where}`;
    if (result.pending) {
      lines.push(`| ${name} | _pending: ${result.pending}_ | | | | | |`);
      continue;
    }
    for (const m of result.metrics.filter((metric) => metric.spec.headline)) {
      const unit = m.spec.unit ? ` (${m.spec.unit})` : '';
      const mark = m.verdict === 'met' ? ' ✅' : m.verdict === 'missed' ? ' ❌' : '';
      lines.push(
        `| ${name} | ${m.spec.label}${unit} | ${format(m.relaykit, m.spec.digits)} | ${format(m.bare, m.spec.digits)} | ${format(m.ratio, 2)} | ${rangeText(m)} | ${targetText(m.spec.target)}${mark} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The whole report as Markdown. */
export function reportMarkdown(meta: Record<string, unknown>, results: readonly CaseResult[]): string {
  const lines = [
    '# RelayKit vs bare socket.io',
    '',
    `Run ${String(meta.startedAt)} on ${String(meta.machine)}, Node ${String(meta.node)}, commit ${String(meta.commit)}.`,
    `${String(meta.rounds)} rounds, the two servers alternating which goes first; values are medians over rounds.`,
    `Load clients: socket.io-client over the ${String(meta.transport)} transport, ${String(meta.contentKind)} content of ~${String(meta.bytes)} bytes.`,
    'Ratios are RelayKit ÷ bare, the median of the per-round ratios (each round runs both back to back): for throughput higher is better, for latency and memory lower is better. The lowest and highest per-round ratio show how much this machine moved them.',
    '',
    '## Summary',
    '',
    summaryMarkdown(results),
    '## Workloads',
    '',
  ];
  for (const result of results) lines.push(caseMarkdown(result));
  return lines.join('\n');
}
