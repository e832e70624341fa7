import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/relay/token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, refuses past it, refills continuously up to the burst', () => {
    let now = 1_000;
    const bucket = new TokenBucket({ burst: 3, perSecond: 2, now: () => now });
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    expect(bucket.msUntilNext()).toBe(500);
    now += 499;
    expect(bucket.take()).toBe(false);
    now += 1;
    expect(bucket.take()).toBe(true);
    now += 60_000; // a long pause refills to the burst, not beyond
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});
