// The wait between attempts: doubling from retryBaseMs, capped at retryMaxMs, jittered over its upper half.
import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../src/webhooks/retry-delay.js';

const settings = { retryBaseMs: 1000, retryMaxMs: 10_000 };

describe('retryDelay', () => {
  it('doubles at each attempt between half and all of its ceiling, and stops growing at retryMaxMs', () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4].map((n) => [retryDelay(n, settings, low), retryDelay(n, settings, high)])).toEqual([
      [500, 1000],
      [1000, 2000],
      [2000, 4000],
      [4000, 8000],
    ]);
    // The cap: attempt 5 would be 16 s; at and past it, 10 s.
    expect([retryDelay(5, settings, high), retryDelay(30, settings, high)]).toEqual([10_000, 10_000]);
    expect(retryDelay(5, settings, low)).toBe(5000);
    for (let i = 0; i < 100; i++) {
      const delay = retryDelay(3, settings);
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });
});
