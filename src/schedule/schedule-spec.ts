import type { Logger } from 'pino';
import { ConfigError } from '../relay/config-error.js';
import type { MessageContent } from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';
import { roomKey } from '../relay/room-name.js';
import { showValue } from '../relay/show-value.js';
import { validateContent } from '../relay/validate-content.js';
import { checkCron, checkTimeZone } from './cron-times.js';
import type { StoredJob } from './schedule-store.js';
import { createBrokenJob, type ScheduledJob } from './scheduled-job.js';

/** A scheduled announcement, as declared in the config file or posted to `POST /v1/schedules`. */
export interface ScheduleSpec {
  /** 1 to 64 letters, digits, `-`, `_`, `.` or `:`; unique among all jobs; the message's `meta.from.name`. */
  readonly id: string;
  /** node-cron expression: 5 fields, or 6 with seconds first. */
  readonly cron: string;
  /** IANA zone the expression is read in; default: the relay process's zone. */
  readonly timezone?: string;
  /** What is published: a non-empty string or a plain JSON object, as for any message. */
  readonly content: MessageContent;
  /** Room to announce to; absent: every connected client. */
  readonly room?: string;
}

/** The first problem of a spec: the field it is in and what is wrong, naming the job. */
export interface ScheduleSpecProblem {
  readonly field: 'id' | 'cron' | 'timezone' | 'content' | 'room' | '(job)';
  readonly problem: string;
}

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** What a job's id may be, for messages that refuse one. */
export const SCHEDULE_ID_RULE = '1 to 64 letters, digits, "-", "_", "." or ":"';

/** Whether `value` can be a job's id: 1 to 64 letters, digits, `-`, `_`, `.` or `:`. */
export const isScheduleId = (value: unknown): value is string =>
  typeof value === 'string' && ID_PATTERN.test(value);
const SPEC_KEYS = new Set(['id', 'cron', 'timezone', 'content', 'room']);
// The config schema does not know maxContentBytes; the scheduler checks the real limit when it starts.
const ABSOLUTE_MAX_CONTENT_BYTES = 1_048_576;

/**
 * Checks a job given by a person (config file entry or HTTP body) and returns it normalised, or the first
 * problem with the field it is in. Every message names the job, e.g. `job "standup": minutes field: …`.
 *
 * @example
 * ```ts
 * checkScheduleSpec({ id: 'standup', cron: '0 9 * * 1-5', timezone: 'Europe/Paris', content: 'Stand-up!' });
 * // { ok: true, spec: { … } }
 * ```
 */
export function checkScheduleSpec(
  input: unknown,
  options: { maxContentBytes?: number; label?: string } = {},
): { ok: true; spec: ScheduleSpec } | ({ ok: false } & ScheduleSpecProblem) {
  const fail = (field: ScheduleSpecProblem['field'], problem: string) =>
    ({ ok: false, field, problem }) as const;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return fail(
      '(job)',
      `${options.label ?? 'job'}: expected an object { id, cron, timezone?, content, room? }`,
    );
  }
  const raw = input as Record<string, unknown>;
  const { id, cron, timezone, content, room } = raw;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    return fail(
      'id',
      `${options.label ?? 'job'}: id must be ${SCHEDULE_ID_RULE} (got ${id === undefined ? 'nothing' : showValue(id)})`,
    );
  }
  const job = `job "${id}"`;
  const unknown = Object.keys(raw).find((key) => !SPEC_KEYS.has(key));
  if (unknown !== undefined) {
    return fail('(job)', `${job}: unknown field "${unknown}" (fields: id, cron, timezone, content, room)`);
  }
  if (typeof cron !== 'string') return fail('cron', `${job}: cron must be a string such as "0 9 * * 1-5"`);
  // The cron is read in the zone (a time may not exist there), so the zone is checked first but reported
  // after the cron.
  const zone = typeof timezone === 'string' ? timezone : undefined;
  const zoneProblem =
    timezone === undefined || timezone === null
      ? undefined
      : zone === undefined
        ? 'timezone must be a string'
        : checkTimeZone(zone);
  const cronProblem = checkCron(cron, zone === undefined || zoneProblem ? {} : { timezone: zone });
  if (cronProblem) return fail('cron', `${job}: cron ${showValue(cron)} is invalid: ${cronProblem}`);
  if (zoneProblem) return fail('timezone', `${job}: ${zoneProblem}`);
  let accepted: MessageContent;
  try {
    accepted = validateContent(content, options.maxContentBytes ?? ABSOLUTE_MAX_CONTENT_BYTES);
  } catch (error) {
    return fail('content', `${job}: ${(error as RelayError).detail ?? (error as Error).message}`);
  }
  if (room !== undefined && room !== null) {
    try {
      roomKey(room);
    } catch (error) {
      return fail(
        'room',
        `${job}: ${(error as RelayError).detail}; use 1 to 64 letters, digits, "-", "_", "."`,
      );
    }
  }
  return {
    ok: true,
    spec: {
      id,
      cron: cron.trim(),
      ...(typeof timezone === 'string' ? { timezone } : {}),
      content: accepted,
      ...(typeof room === 'string' ? { room } : {}),
    },
  };
}

/**
 * Like {@link checkScheduleSpec} but throws `RELAY_ERR_INVALID_SCHEDULE` naming the job and the field.
 *
 * @example
 * ```ts
 * const spec = parseScheduleSpec(request.body, { maxContentBytes: 4096 });
 * ```
 */
export function parseScheduleSpec(input: unknown, options: { maxContentBytes?: number } = {}): ScheduleSpec {
  const result = checkScheduleSpec(input, options);
  if (result.ok) return result.spec;
  throw new RelayError('RELAY_ERR_INVALID_SCHEDULE', result.problem);
}

/**
 * Checks the config file's `schedules` once, against the relay's limits: each entry as a job
 * ({@link checkScheduleSpec}), ids unique. Throws a `ConfigError` naming `schedules.<index>.<field>` and
 * the job, e.g. `relay.config.yaml: setting "schedules.0.cron" is invalid: job "standup": cron …`.
 *
 * @example
 * ```ts
 * const specs = checkDeclaredSchedules(file.schedules, { maxContentBytes: 4096 }, 'relay.config.yaml');
 * ```
 */
export function checkDeclaredSchedules(
  declared: readonly unknown[],
  limits: { maxContentBytes: number },
  source = 'settings',
): ScheduleSpec[] {
  const specs: ScheduleSpec[] = [];
  const seen = new Map<string, number>();
  for (const [index, entry] of declared.entries()) {
    const result = checkScheduleSpec(entry, limits);
    if (!result.ok) {
      const key = result.field === '(job)' ? `schedules.${index}` : `schedules.${index}.${result.field}`;
      throw new ConfigError(key, source, result.problem);
    }
    const first = seen.get(result.spec.id);
    if (first !== undefined) {
      throw new ConfigError(
        `schedules.${index}.id`,
        source,
        `job "${result.spec.id}": duplicate id (schedules.${first} has it too); ids must be unique`,
      );
    }
    seen.set(result.spec.id, index);
    specs.push(result.spec);
  }
  return specs;
}

/**
 * The store's runtime jobs as the scheduler runs them, each checked again like a new job (the file may
 * come from an older RelayKit, or have been edited). One that cannot be scheduled becomes a broken job
 * instead of failing the start: all of them are logged in one line. A stored job whose id a config-file or
 * code job has is left out (that one wins), and logged.
 *
 * @example
 * ```ts
 * for (const job of loadStoredJobs(store.listJobs(), { taken: jobs, make, log })) jobs.set(job.id, job);
 * ```
 */
export function loadStoredJobs(
  stored: readonly StoredJob[],
  options: {
    taken: ReadonlyMap<string, ScheduledJob>;
    make: (spec: ScheduleSpec) => ScheduledJob;
    log: Logger;
    /** The relay's limit now: a job stored under a higher one would fail every slot. */
    maxContentBytes?: number;
  },
): ScheduledJob[] {
  const { taken, make, log, maxContentBytes } = options;
  const jobs: ScheduledJob[] = [];
  for (const { fields, problem } of stored) {
    const present = taken.get(fields.id);
    if (present) {
      // A job added before start() is in the map already and is this one.
      if (present.origin !== 'api') {
        log.warn(
          { job: fields.id, origin: present.origin },
          'a job added over HTTP has the id of a job declared in the config file or by code; that one wins, the stored job stays inactive',
        );
      }
      continue;
    }
    const checked = problem === undefined ? checkScheduleSpec(fields, { maxContentBytes }) : undefined;
    jobs.push(
      checked?.ok ? make(checked.spec) : createBrokenJob(fields, checked?.problem ?? (problem as string)),
    );
  }
  const broken = jobs.filter((job) => job.broken !== undefined).map((job) => job.id);
  if (broken.length > 0) {
    log.warn(
      { jobs: broken.slice(0, 20), count: broken.length },
      'stored jobs that cannot be scheduled are listed as broken and never run: delete them and add them again, corrected',
    );
  }
  return jobs;
}
