import { describe, expect, it } from 'vitest';
import { benchMessage, sentAtOf } from '../../bench/load/bench-message.js';
import { caseMarkdown, summariseCase, summariseMetric } from '../../bench/report.js';
import { summarise } from '../../bench/stats.js';
import { BARE_SETUP, type WorkloadCase } from '../../bench/workloads/workload-case.js';

// The bench's arithmetic, without running servers: what the published tables are computed from.
describe('bench report', () => {
  it('reads the send time back from string and object bench messages, and ignores other content', () => {
    for (const kind of ['string', 'object'] as const) {
      const message = benchMessage(kind, 'fan', 7, 1234.5, 100);
      expect(sentAtOf(message, 'fan')).toBe(1234.5);
      expect(sentAtOf(message, 'fa')).toBeUndefined();
    }
    expect(sentAtOf('New user connected', 'fan')).toBeUndefined();
    expect(String(benchMessage('string', 'fan', 7, 1234.5, 100)).length).toBe(100);
  });

  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarise(samples)).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
    expect(summarise([]).count).toBe(0);
  });

  it('reports medians over rounds, the median per-round ratio, and whether the target is met', () => {
    const c: WorkloadCase = {
      id: 'x',
      workload: 'fan-out',
      title: 'Fan-out: test',
      params: {},
      metrics: [
        { key: 'rate', label: 'deliveries/s', unit: '', better: 'higher', target: { min: 0.9 } },
        { key: 'p99', label: 'p99', unit: 'ms', better: 'lower', target: { max: 1.1 } },
        { key: 'p50', label: 'p50', unit: 'ms', better: 'lower' },
      ],
      setup: () => BARE_SETUP,
      run: () => Promise.resolve({}),
    };
    const result = summariseCase({
      case: c,
      rounds: {
        relaykit: [
          { rate: 95, p99: 30, p50: 10 },
          { rate: 85, p99: 12, p50: 40 },
          { rate: 90, p99: 11, p50: 20 },
        ],
        bare: [
          { rate: 100, p99: 10, p50: 10 },
          { rate: 100, p99: 10, p50: 40 },
          { rate: 100, p99: 10, p50: 100 },
        ],
      },
      notes: [],
      errors: [],
    });
    const [rate, p99, p50] = result.metrics;
    expect(rate?.relaykit).toBe(90);
    expect(rate?.ratio).toBeCloseTo(0.9); // per-round ratios 0.95, 0.85, 0.9
    expect(rate?.verdict).toBe('met');
    expect(p99?.ratio).toBeCloseTo(1.2);
    expect(p99?.verdict).toBe('missed');
    // The spread of the per-round ratios (3, 1.2, 1.1) is reported next to the median.
    expect(p99?.ratioRange).toEqual([1.1, 3]);
    expect(caseMarkdown(result)).toContain('| p99 (ms) | 12 | 10 | 1.20 | 1.10–3.00 | ≤ 1.1 | ❌ |');
    // Round by round the servers tie twice; the ratio of the medians (20 / 40) would say 0.5.
    expect(p50?.ratio).toBe(1);
  });

  it('keeps rounds paired when one server failed a round: its empty round is skipped, not shifted', () => {
    const spec = { key: 'p99', label: 'p99', unit: 'ms', better: 'lower' as const };
    // RelayKit failed round 2 (an empty round reads as NaN); rounds 1 and 3 still pair with bare's 1 and 3.
    const result = summariseMetric(spec, { relaykit: [10, Number.NaN, 30], bare: [10, 99, 30] });
    expect(result.ratio).toBe(1);
    expect(result.ratioRange).toEqual([1, 1]);
    expect(result.relaykit).toBe(20);
  });
});
