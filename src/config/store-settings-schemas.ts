import { z } from 'zod';
import { HISTORY_MAX_LIMIT } from '../relay/history-query.js';
import { DEFAULT_MAX_JOBS } from '../schedule/schedule-types.js';

// The settings of the relay's two embedded stores of its own state: the scheduler's jobs and the message
// history (SQLite files in `.relaykit/` by default). Part of relayConfigSchema (relay-config-schema.ts).

// The scheduler's defaults: where its store lives, how late a missed slot may still run (5 minutes) and
// how many jobs the API may add.
const SCHEDULER_DEFAULTS = {
  store: '.relaykit/schedules.db',
  missedRunGraceMs: 300_000,
  maxJobs: DEFAULT_MAX_JOBS,
};

// The history's defaults: where it is kept and how much of it (see docs/history.md).
const HISTORY_DEFAULTS = {
  store: '.relaykit/history.db',
  maxMessagesPerRoom: 1000,
  maxAgeMs: 2_592_000_000,
  replayOnConnect: 0,
};

/** The `scheduler` setting: where runtime jobs and last runs are kept, and what happens to slots missed while the relay was down. */
export const schedulerSettingSchema = z
  .object({
    store: z
      .string()
      .min(1)
      .default(SCHEDULER_DEFAULTS.store)
      .describe(
        'SQLite file of runtime jobs and last runs, relative to the working directory; :memory: keeps nothing',
      ),
    missedRunGraceMs: z
      .int()
      .min(0)
      .max(3_600_000)
      .default(SCHEDULER_DEFAULTS.missedRunGraceMs)
      .describe(
        'a job slot missed while the relay was down runs once at start if at most this old (ms); 0: skip',
      ),
    maxJobs: z
      .int()
      .min(1)
      .max(100_000)
      .default(SCHEDULER_DEFAULTS.maxJobs)
      .describe(
        'most jobs added over the HTTP API (kept in the store) at once; config-file and bot jobs do not count',
      ),
  })
  .strict()
  .default(SCHEDULER_DEFAULTS);

/** The `history` setting (see docs/history.md); `false` keeps no history. */
export const historySettingSchema = z
  .union([
    z.literal(false),
    z
      .object({
        store: z
          .string()
          .min(1)
          .default(HISTORY_DEFAULTS.store)
          .describe(
            'SQLite file of the message history, relative to the working directory; :memory: keeps nothing',
          ),
        maxMessagesPerRoom: z
          .int()
          .min(1)
          .max(1_000_000)
          .default(HISTORY_DEFAULTS.maxMessagesPerRoom)
          .describe('newest messages kept per room (relay-wide announcements count as one room)'),
        maxAgeMs: z
          .int()
          .min(1000)
          .default(HISTORY_DEFAULTS.maxAgeMs)
          .describe('how long a message is kept (ms); default 30 days'),
        backend: z
          .enum(['sqlite', 'redis'])
          .optional()
          .describe(
            'where the history is kept: sqlite (history.store, this node) or redis (every node); unset: redis when redisUrl is set',
          ),
        replayOnConnect: z
          .int()
          .min(0)
          .max(HISTORY_MAX_LIMIT)
          .default(HISTORY_DEFAULTS.replayOnConnect)
          .describe(
            "a person's new connection first gets this many of its room's last messages as sendMessageFromBack; 0: none",
          ),
      })
      .strict(),
  ])
  .default(HISTORY_DEFAULTS);
