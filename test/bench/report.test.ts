import { describe, expect, it } from 'vitest';
import { benchMessage, sentAtOf } from '../../bench/load/bench-message.js';
import { summariseCase } from '../../bench/report.js';
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

  it('reports medians over rounds, RelayKit ÷ bare, and whether the target is met', () => {
    const c: WorkloadCase = {
      id: 'x',
      workload: 'fan-out',
      title: 'Fan-out: test',
      params: {},
      metrics: [
        { key: 'rate', label: 'deliveries/s', unit: '', better: 'higher', target: { min: 0.9 } },
        { key: 'p99', label: 'p99', unit: 'ms', better: 'lower', target: { max: 1.1 } },
      ],
      setup: () => BARE_SETUP,
      run: () => Promise.resolve({}),
    };
    const result = summariseCase({
      case: c,
      rounds: {
        relaykit: [
          { rate: 95, p99: 30 },
          { rate: 85, p99: 12 },
          { rate: 90, p99: 11 },
        ],
        bare: [
          { rate: 100, p99: 10 },
          { rate: 100, p99: 10 },
        ],
      },
      notes: [],
      errors: [],
    });
    const [rate, p99] = result.metrics;
    expect(rate?.relaykit).toBe(90);
    expect(rate?.ratio).toBeCloseTo(0.9);
    expect(rate?.verdict).toBe('met');
    expect(p99?.ratio).toBeCloseTo(1.2);
    expect(p99?.verdict).toBe('missed');
  });
});
