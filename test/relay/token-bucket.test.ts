import { describe, expect, it } from 'vitest';
import { TokenBucket, TokenBuckets } from '../../src/relay/token-bucket.js';

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

describe('TokenBuckets', () => {
  it('keeps a bucket per key, and forgets the full ones once past sweepAbove, keeping those in use', () => {
    let now = 1_000;
    const buckets = new TokenBuckets({ burst: 2, perSecond: 1, now: () => now }, 3);
    // A key's bucket is the same bucket at each get.
    expect(buckets.get('a').take()).toBe(true);
    expect(buckets.get('a').take()).toBe(true);
    expect(buckets.get('a').take()).toBe(false);
    buckets.get('b');
    buckets.get('c');
    // At the limit: three kept.
    expect(buckets.size).toBe(3);
    // One past it: the full ones (b, c) go, the drained one (a) stays, with its state.
    buckets.get('d');
    expect(buckets.size).toBe(2);
    expect(buckets.get('a').take()).toBe(false);
    // Once refilled, a is full again: at the limit again (a, d, e), the next new key sweeps them all.
    now += 5_000;
    buckets.get('e');
    expect(buckets.size).toBe(3);
    buckets.get('f');
    expect(buckets.size).toBe(1);
  });
});
