// Next fire times come from node-cron for the job's zone: daylight-saving changes move them in UTC.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextRuns } from '../../src/schedule/cron-times.js';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

// The wall clock is the only input faked: node-cron computes "after now" from it.
function at(now: string) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(now));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('nextRuns', () => {
  it('follows Europe/Paris across its spring-forward (2027-03-28): 09:30 is 08:30Z, then 07:30Z', () => {
    at('2027-03-26T12:00:00Z');
    expect(iso(nextRuns('0 30 9 * * *', { timezone: 'Europe/Paris', count: 3 }))).toEqual([
      '2027-03-27T08:30:00.000Z',
      '2027-03-28T07:30:00.000Z',
      '2027-03-29T07:30:00.000Z',
    ]);
  });

  it('follows America/New_York across its spring-forward (2027-03-14): 09:30 is 14:30Z, then 13:30Z', () => {
    at('2027-03-12T15:00:00Z');
    expect(iso(nextRuns('30 9 * * *', { timezone: 'America/New_York', count: 3 }))).toEqual([
      '2027-03-13T14:30:00.000Z',
      '2027-03-14T13:30:00.000Z',
      '2027-03-15T13:30:00.000Z',
    ]);
  });

  it('puts Paris and New York 5 hours apart between their DST changes, 6 hours after', () => {
    at('2027-03-20T00:00:00Z');
    const [paris] = nextRuns('30 9 * * *', { timezone: 'Europe/Paris', count: 1 });
    const [newYork] = nextRuns('30 9 * * *', { timezone: 'America/New_York', count: 1 });
    expect(((newYork?.getTime() ?? 0) - (paris?.getTime() ?? 0)) / 3_600_000).toBe(5);
    at('2027-04-10T00:00:00Z');
    const [parisLater] = nextRuns('30 9 * * *', { timezone: 'Europe/Paris', count: 1 });
    const [newYorkLater] = nextRuns('30 9 * * *', { timezone: 'America/New_York', count: 1 });
    expect(((newYorkLater?.getTime() ?? 0) - (parisLater?.getTime() ?? 0)) / 3_600_000).toBe(6);
  });

  it('skips a time that does not exist on the spring-forward day and runs a repeated one once', () => {
    at('2027-03-27T12:00:00Z');
    expect(iso(nextRuns('0 30 2 * * *', { timezone: 'Europe/Paris', count: 2 }))).toEqual([
      '2027-03-29T00:30:00.000Z',
      '2027-03-30T00:30:00.000Z',
    ]);
    at('2027-10-30T12:00:00Z');
    const autumn = iso(nextRuns('0 30 2 * * *', { timezone: 'Europe/Paris', count: 2 }));
    expect(autumn.filter((time) => time.startsWith('2027-10-31'))).toHaveLength(1);
    expect(autumn[1]).toBe('2027-11-01T01:30:00.000Z');
  });

  it('counts seconds in the 6-field form', () => {
    at('2027-01-01T00:00:00.500Z');
    expect(iso(nextRuns('*/20 * * * * *', { timezone: 'UTC', count: 3 }))).toEqual([
      '2027-01-01T00:00:20.000Z',
      '2027-01-01T00:00:40.000Z',
      '2027-01-01T00:01:00.000Z',
    ]);
  });

  it('refuses a bad expression or zone with RELAY_ERR_INVALID_SCHEDULE', () => {
    expect(() => nextRuns('0 25 * * *')).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_INVALID_SCHEDULE' }),
    );
    expect(() => nextRuns('0 9 * * *', { timezone: 'Europe/Nowhere' })).toThrow(
      /timezone: unknown time zone/,
    );
  });
});
