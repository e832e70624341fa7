import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScheduleStore } from '../../src/schedule/schedule-store.js';
import { track } from '../support/cleanup.js';

/** A schedule store path in a fresh temporary folder, removed after the test. */
export async function tempStore(): Promise<string> {
  const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-schedule-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  return path.join(dir, 'nested', 'schedules.db');
}

/** A 6-field cron expression that fires once a minute, at the second `ms` from now. */
export function cronAtSecondIn(ms: number): { cron: string; at: Date } {
  const at = new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);
  return { cron: `${at.getUTCSeconds()} * * * * *`, at };
}

/**
 * Stores a runtime job whose one slot a day passed `ageMs` ago, handled only up to a minute before that
 * slot: to a relay starting on `store`, as if it had been down since before the slot. No waiting.
 */
export function storeMissedJob(store: string, id: string, ageMs: number): Date {
  const at = new Date(Math.floor((Date.now() - ageMs) / 1000) * 1000);
  const cron = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  const prepared = ScheduleStore.open(store);
  try {
    prepared.insertJob(
      { id, cron, timezone: 'UTC', content: `missed ${id}` },
      new Date(at.getTime() - 60_000),
    );
  } finally {
    prepared.close();
  }
  return at;
}
