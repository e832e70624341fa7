import type { components } from '../http/openapi-types.js';

type Schedule = components['schemas']['Schedule'];

// Content longer than this is cut with "…": the table stays one line a job.
const CONTENT_WIDTH = 48;

/**
 * `relay schedule list`'s table: one aligned line a job with its zone, room, next and last run (wall
 * clock in the zone the job runs in) and content. A job without a zone of its own runs in the relay's:
 * `relayZone` when known (the dev relay file says it), else its times are shown in UTC and marked `*`,
 * with a line saying so under the table. A broken job says why, under the table.
 *
 * @example
 * ```ts
 * for (const line of formatScheduleTable(list.schedules, 'Europe/Paris')) print(line);
 * ```
 */
export function formatScheduleTable(jobs: readonly Schedule[], relayZone: string | undefined): string[] {
  let unknownZone = false;
  const rows = jobs.map((job) => {
    const zone = job.timezone ?? relayZone ?? 'UTC';
    const zoneLabel = job.timezone ?? (relayZone ? `${relayZone} (relay)` : 'UTC*');
    if (!job.timezone && !relayZone) unknownZone = true;
    const next = job.broken
      ? 'broken'
      : job.paused
        ? 'paused'
        : job.nextRuns[0]
          ? `${wallClock(job.nextRuns[0], zone)}${job.running ? ' (running)' : ''}`
          : '-';
    const last = job.lastRun
      ? `${wallClock(job.lastRun.finishedAt, zone)} ${job.lastRun.outcome}${job.lastRun.error ? ` ${job.lastRun.error.code}` : ''}`
      : 'never';
    return [job.id, job.cron, zoneLabel, job.room ?? '(all)', next, last, job.origin, contentOf(job)];
  });
  const header = ['ID', 'CRON', 'ZONE', 'ROOM', 'NEXT RUN', 'LAST RUN', 'ORIGIN', 'CONTENT'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
      .join('  ')
      .trimEnd();
  const lines = [line(header), ...rows.map(line)];
  if (unknownZone) {
    lines.push("* no zone of its own: it runs in the relay's zone, which the API does not say; times in UTC");
  }
  // Why a job never runs: the fix is to delete it and add it again, corrected.
  for (const job of jobs) if (job.broken) lines.push(`broken: ${job.id}: ${job.broken}`);
  return lines;
}

// `Mon 2025-01-06 09:55:00` in `zone`: sortable, with the weekday that weekday crons are about.
function wallClock(iso: string, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

function contentOf(job: Schedule): string {
  if (job.content === null && job.origin === 'api') return '(unreadable)';
  if (job.content === null) return job.owner ? `(code of ${job.owner})` : '(code)';
  const text = typeof job.content === 'string' ? job.content : JSON.stringify(job.content);
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > CONTENT_WIDTH ? `${oneLine.slice(0, CONTENT_WIDTH - 1)}…` : oneLine;
}
