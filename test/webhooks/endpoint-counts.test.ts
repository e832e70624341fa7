import { describe, expect, it } from 'vitest';
import { EndpointCounts } from '../../src/webhooks/endpoint-counts.js';

// Leaves `removed` ids with something counted in each map but nothing in flight.
function countRemoved(counts: EndpointCounts, removed: readonly string[]): void {
  for (const id of removed) {
    counts.started(id);
    counts.finished(id);
    counts.addQueued(id, 2);
    counts.failed(id);
  }
}

describe('EndpointCounts.forgetRemoved', () => {
  it('forgets what it kept of removed endpoints and tells each one it forgot', () => {
    const counts = new EndpointCounts();
    countRemoved(counts, ['gone-1', 'gone-2']);
    counts.started('kept');
    counts.addQueued('kept', 1);
    const forgotten: string[] = [];
    counts.forgetRemoved([{ id: 'kept' }], (id) => forgotten.push(id));

    expect(forgotten.sort()).toEqual(['gone-1', 'gone-2']);
    expect(counts.queued('gone-1')).toBe(0);
    expect(counts.recovered('gone-2')).toBeUndefined();
    expect(counts.inFlight('kept')).toBe(1);
    expect(counts.queued('kept')).toBe(1);
  });

  it('keeps a removed endpoint whose attempt still runs, and forgets it once that attempt ends', () => {
    const counts = new EndpointCounts();
    countRemoved(counts, ['gone-1', 'gone-2']);
    counts.started('running');
    const forgotten: string[] = [];
    counts.forgetRemoved([], (id) => forgotten.push(id));
    expect(forgotten.sort()).toEqual(['gone-1', 'gone-2']);
    expect(counts.inFlight('running')).toBe(1);

    counts.finished('running');
    counts.forgetRemoved([], (id) => forgotten.push(id));
    expect(forgotten).toContain('running');
    expect(counts.inFlight('running')).toBe(0);
  });

  it('does no scan while it keeps at most three entries per current endpoint', () => {
    // One current endpoint allows three entries: one removed endpoint counted in all three maps is at
    // the bound and stays; one more entry is past it, and the scan forgets every removed endpoint.
    const atBound = new EndpointCounts();
    countRemoved(atBound, ['gone']);
    const forgotten: string[] = [];
    atBound.forgetRemoved([{ id: 'kept' }], (id) => forgotten.push(id));
    expect(forgotten).toEqual([]);
    expect(atBound.queued('gone')).toBe(2);

    atBound.addQueued('gone-too', 1);
    atBound.forgetRemoved([{ id: 'kept' }], (id) => forgotten.push(id));
    expect(forgotten).toEqual(['gone']);
    expect(atBound.queued('gone')).toBe(0);
    expect(atBound.queued('gone-too')).toBe(0);
  });
});
