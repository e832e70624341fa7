import { describe, expect, it } from 'vitest';
import { type Episode, EpisodeLog, OVERFLOW_KEY } from '../../src/relay/episode-log.js';
import { track } from '../support/cleanup.js';

// An episode log whose summaries are kept, closed after the test.
function episodes(options: { quietMs?: number; maxEpisodes?: number } = {}) {
  const ended: Array<Episode<number>> = [];
  const waiters: Array<() => void> = [];
  const log = track(
    new EpisodeLog<number>({
      ...options,
      ended: (episode) => {
        ended.push(episode);
        for (const wake of waiters.splice(0)) wake();
      },
    }),
    (l) => l.close(),
  );
  // Resolves at the next summary, or fails after the deadline.
  const nextSummary = (timeoutMs = 3000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no summary within ${timeoutMs} ms`)), timeoutMs);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  return { log, ended, nextSummary };
}

describe('EpisodeLog', () => {
  it('opens an episode at the first occurrence, counts the rest, and sums it up once the key is quiet', async () => {
    const { log, ended, nextSummary } = episodes({ quietMs: 50 });
    expect(log.note('a', 1)).toBe(true);
    for (let i = 2; i <= 10; i += 1) expect(log.note('a', i)).toBe(false);
    expect(log.note('b', 1)).toBe(true); // another key, its own episode
    await nextSummary();
    expect(ended).toEqual([expect.objectContaining({ key: 'a', first: 1, count: 10 })]);
    // A single occurrence needs no summary; once quiet, the key opens a new episode.
    await expect.poll(() => log.size).toBe(0);
    expect(ended).toHaveLength(1);
    expect(log.note('a', 11)).toBe(true);
  });

  it('follows at most maxEpisodes keys; past them, new keys share one episode', () => {
    const { log, ended } = episodes({ maxEpisodes: 3 });
    for (const key of ['k0', 'k1', 'k2']) expect(log.note(key, 0)).toBe(true);
    log.note('k0', 1); // k0 has two occurrences now
    expect(log.size).toBe(3);
    // One past the bound: the least recently seen episode (k1) ends early, the overflow episode opens.
    expect(log.note('k3', 0)).toBe(true);
    for (let i = 4; i < 100; i += 1) expect(log.note(`k${i}`, 0)).toBe(false);
    expect(log.size).toBe(3);
    log.close();
    expect(ended.map(({ key, count }) => [key, count]).sort()).toEqual([
      [OVERFLOW_KEY, 97],
      ['k0', 2],
    ]);
  });

  it('close() sums up every open episode once', () => {
    const { log, ended } = episodes();
    log.note('a', 1);
    log.note('a', 2);
    log.close();
    log.close();
    expect(ended).toEqual([expect.objectContaining({ key: 'a', count: 2 })]);
  });

  it('end() closes an episode without a summary and gives its count to the caller', () => {
    const { log, ended } = episodes();
    log.note('a', 1);
    log.note('a', 2);
    expect(log.end('a')).toMatchObject({ key: 'a', first: 1, count: 2 });
    expect(log.end('a')).toBeUndefined();
    log.close();
    expect(ended).toEqual([]);
  });
});
