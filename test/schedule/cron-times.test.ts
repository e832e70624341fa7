import cron, { type ScheduledTask } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { checkCron, lastSlot, MAX_CRON_LENGTH, type SlotMatcher } from '../../src/schedule/cron-times.js';
import { track } from '../support/cleanup.js';

// A real node-cron task, destroyed after the test.
function task(expression: string, timezone?: string) {
  return track(
    cron.createTask(expression, () => undefined, timezone ? { timezone } : {}),
    (t) => t.destroy(),
  );
}

// What lastSlot answered before it walked slot to slot: every second of the window, newest first.
function everySecond(matcher: SlotMatcher, after: number, until: number): Date | undefined {
  for (let second = Math.floor(until / 1000) * 1000; second > after; second -= 1000) {
    if (matcher.match(new Date(second))) return new Date(second);
  }
  return undefined;
}

// Counts the checks lastSlot makes on a node-cron task (its timeMatcher is node-cron's, untyped).
function counted(task: ScheduledTask) {
  const inner = task as unknown as SlotMatcher & {
    timeMatcher: { timezone?: string; getNextMatch(date: Date): Date };
  };
  const calls = { match: 0, next: 0 };
  const matcher: SlotMatcher = {
    match: (date) => {
      calls.match += 1;
      return inner.match(date);
    },
    timeMatcher: {
      ...(inner.timeMatcher.timezone === undefined ? {} : { timezone: inner.timeMatcher.timezone }),
      getNextMatch: (date) => {
        calls.next += 1;
        return inner.timeMatcher.getNextMatch(date);
      },
    },
  };
  return { matcher, calls };
}

const HOUR = 3_600_000;

describe('lastSlot', () => {
  it('finds the same slot as a check of every second, for rare and frequent jobs, across DST', () => {
    const jobs = [
      task('0 30 9 * * *', 'Europe/Paris'),
      task('*/2 * * * *'),
      task('* * * * * *'),
      task('* 0 * * * *'),
      task('0 30 2 * * *', 'Europe/Paris'), // skipped on the spring-forward day
      task('0 0 2 * * *', 'Europe/Paris'), // 02:00 comes twice when clocks go back
      task('*/7 * * * * *', 'America/New_York'),
      task('17 */7 * * * *', 'America/New_York'),
    ];
    // Windows ending at assorted moments, among them the 2026 spring-forward in Paris (29 March, 01:00 UTC)
    // and the days clocks go back.
    const ends = [
      Date.parse('2026-12-01T08:31:12.345Z'),
      Date.parse('2026-03-29T01:30:00.000Z'),
      Date.parse('2026-03-29T02:00:00.999Z'),
      Date.parse('2026-11-01T06:00:00.000Z'),
      // Clocks going back: Paris on 25 October 2026 (01:00 UTC), New York on 1 November (06:00 UTC).
      Date.parse('2026-10-25T01:30:00.000Z'),
      Date.parse('2026-10-25T00:59:59.000Z'),
      Date.parse('2026-11-01T06:40:00.000Z'),
      Date.parse('2026-12-01T09:00:00.000Z'),
    ];
    for (const job of jobs) {
      for (const until of ends) {
        for (const window of [1000, 4000, 60_000, 300_000, HOUR]) {
          const after = until - window;
          expect(lastSlot(job, after, until)?.toISOString(), `${job.getPattern()} ${window}`).toBe(
            everySecond(job, after, until)?.toISOString(),
          );
        }
      }
    }
  });

  it('agrees with it in every quarter of an hour around the hours clocks go back', () => {
    const jobs = [
      task('0 30 2 * * *', 'Europe/Paris'),
      task('0 0 2 * * *', 'Europe/Paris'),
      task('*/7 * * * * *', 'America/New_York'),
      task('0 */20 1 * * *', 'America/New_York'),
    ];
    const QUARTER = 900_000;
    for (const transition of [Date.parse('2026-10-25T01:00:00Z'), Date.parse('2026-11-01T06:00:00Z')]) {
      for (let until = transition - 2 * HOUR; until <= transition + 2 * HOUR; until += QUARTER) {
        for (const job of jobs) {
          expect(lastSlot(job, until - QUARTER, until)?.toISOString(), `${job.getPattern()} ${until}`).toBe(
            everySecond(job, until - QUARTER, until)?.toISOString(),
          );
        }
      }
    }
  });

  it('agrees with it in an hour of grace ending at every half hour around both changes of the year', () => {
    const jobs = [
      task('0 0 2 * * *', 'Europe/Paris'),
      task('0 */20 1 * * *', 'America/New_York'),
      task('0 30 2 * * *', 'Europe/Paris'),
    ];
    const HALF = 1_800_000;
    const transitions = ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-11-01T06:00:00Z'];
    for (const transition of transitions.map(Date.parse)) {
      for (let until = transition - HOUR; until <= transition + 2 * HOUR; until += HALF) {
        for (const job of jobs) {
          expect(lastSlot(job, until - HOUR, until)?.toISOString(), `${job.getPattern()} ${until}`).toBe(
            everySecond(job, until - HOUR, until)?.toISOString(),
          );
        }
      }
    }
  });

  // Near a change of the offset every second of the window was checked: 500 daily jobs and an hour of
  // grace held the start for 15 s when the relay came back within an hour of the clocks moving.
  it('checks a daily job a handful of times in an hour of grace around the clocks going back', () => {
    const { matcher, calls } = counted(task('0 30 2 * * *', 'Europe/Paris'));
    // 02:30 Paris came twice on 25 October 2026: 00:30 and 01:30 UTC.
    const until = Date.parse('2026-10-25T01:45:00.000Z');
    expect(lastSlot(matcher, until - HOUR, until)?.toISOString()).toBe('2026-10-25T01:30:00.000Z');
    expect(calls.match).toBeLessThanOrEqual(20);
    expect(calls.next).toBeLessThanOrEqual(5);
  });

  // At start, every job was checked once per second of the grace window (3 600 for an hour, ~20 µs
  // each): 500 daily jobs held the event loop for seconds.
  it('checks a daily job a handful of times in an hour of grace, not once a second', () => {
    const { matcher, calls } = counted(task('0 30 9 * * *', 'Europe/Paris'));
    const until = Date.parse('2026-12-01T09:00:00.000Z'); // 10:00 in Paris: 09:30 is in the window
    expect(lastSlot(matcher, until - HOUR, until)?.toISOString()).toBe('2026-12-01T08:30:00.000Z');
    expect(calls.match).toBeLessThanOrEqual(5);
    expect(calls.next).toBeLessThanOrEqual(2);
  });
});

describe('checkCron', () => {
  const every = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => i + from).join(',');
  const months = 'january,february,march,april,may,june,july,august,september,october,november,december';
  const days = 'sunday,monday,tuesday,wednesday,thursday,friday,saturday';

  it('takes the longest expression that means something: every value of every field, listed, by name', () => {
    const longest = [every(0, 59), every(0, 59), every(0, 23), every(1, 31), months, days].join(' ');
    expect(longest.length).toBeLessThanOrEqual(MAX_CRON_LENGTH);
    expect(checkCron(longest)).toBeUndefined();
  });

  it(`refuses an expression of ${MAX_CRON_LENGTH + 1} characters before parsing it`, () => {
    // At the limit it is parsed (and refused for what it says: a day of the week 11).
    const atLimit = `0 0 * * * ${'1,'.repeat(506)}11`;
    expect(atLimit).toHaveLength(MAX_CRON_LENGTH);
    expect(checkCron(atLimit)).toMatch(/^day-of-week field/);
    expect(checkCron(`${atLimit}1`)).toBe(`is longer than ${MAX_CRON_LENGTH} characters`);
  });
});
