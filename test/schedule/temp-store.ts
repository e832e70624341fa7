import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

/** Resolves once the wall clock has passed `date`. */
export function until(date: Date): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, date.getTime() - Date.now())));
}
