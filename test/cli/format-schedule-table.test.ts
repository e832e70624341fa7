import { describe, expect, it } from 'vitest';
import { formatScheduleTable } from '../../src/cli/format-schedule-table.js';
import type { components } from '../../src/http/openapi-types.js';

type Schedule = components['schemas']['Schedule'];

const job = (fields: Partial<Schedule>): Schedule => ({
  id: 'weekly',
  cron: '0 9 * * 1',
  timezone: 'Europe/Paris',
  room: null,
  content: 'Week starts',
  origin: 'api',
  owner: null,
  paused: false,
  running: false,
  nextRuns: ['2026-12-07T08:00:00.000Z'],
  lastRun: null,
  runs: 0,
  failures: 0,
  broken: null,
  ...fields,
});

describe('relay schedule list table', () => {
  // A broken job showed "-" as its next run with no reason, and one whose stored content could not be
  // read showed "(code)", as if a bot's code ran it.
  it('says a broken job is broken, and why, under the table', () => {
    const lines = formatScheduleTable(
      [
        job({}),
        job({ id: 'garbled', cron: '61 * * * *', nextRuns: [], broken: 'cron "61 * * * *": minutes field' }),
        job({ id: 'unreadable', content: null, nextRuns: [], broken: 'content: not JSON' }),
      ],
      undefined,
    );
    const row = (id: string) => lines.find((line) => line.startsWith(`${id} `)) ?? '';
    expect(row('garbled')).toMatch(/\sbroken\s/);
    expect(row('unreadable')).toContain('(unreadable)');
    expect(row('weekly')).toContain('Mon 2026-12-07 09:00:00');
    expect(lines.slice(-2)).toEqual([
      'broken: garbled: cron "61 * * * *": minutes field',
      'broken: unreadable: content: not JSON',
    ]);
  });
});
