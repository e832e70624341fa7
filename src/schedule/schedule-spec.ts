import type { MessageContent } from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';
import { roomKey } from '../relay/room-name.js';
import { validateContent } from '../relay/validate-content.js';
import { checkCron } from './check-cron.js';
import { checkTimeZone } from './check-time-zone.js';

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
      `${options.label ?? 'job'}: id must be 1 to 64 letters, digits, "-", "_", "." or ":" (got ${JSON.stringify(id) ?? 'nothing'})`,
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
  if (cronProblem) return fail('cron', `${job}: cron "${cron}" is invalid: ${cronProblem}`);
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
