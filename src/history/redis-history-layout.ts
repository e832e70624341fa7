import type { HistoryQuery, LoggedMessage } from '../relay/message-log.js';

// How the cluster's history lies in Redis: its keys, and a stream entry as the log reads it back. The
// scripts that write them are in redis-history-scripts.ts.
const PREFIX = 'relaykit:history:';
/** The set of every room stream, for age trims. */
export const STREAMS = `${PREFIX}streams`;
/** Message id -> the stream and entry id it is in, for look-ups and redaction. */
export const INDEX = `${PREFIX}index`;
/** One counter for the entry ids of every stream: one order across rooms. */
export const COUNTER = `${PREFIX}seq`;
/**
 * Redacted message id -> the entry id it had, so that a cursor naming it is placed exactly (its
 * neighbours may have been stored in later milliseconds than its id says); kept until the age trim.
 */
export const GONE = `${PREFIX}gone`;
/** The redacted ids of {@link GONE} by the millisecond of their entry, for the age trim. */
export const GONE_AGE = `${PREFIX}gone-age`;
/** The last millisecond used in an entry id: Redis's clock, never going back. */
export const CLOCK = `${PREFIX}clock`;
/** The stream of relay-wide announcements. */
export const EVERYONE = `${PREFIX}everyone`;
/** Where nodes tell each other what they wrote and redacted. */
export const CHANNEL = `${PREFIX}events`;
/** The keys of the script that finds (and redacts) an entry, FIND, in its order. */
export const FIND_KEYS = [INDEX, GONE, GONE_AGE];
/** The keys of the script that places a cursor, PLACE, in its order. */
export const PLACE_KEYS = [INDEX, GONE];
/** The keys of the age trim's script, EXPIRE, in its order. */
export const EXPIRE_KEYS = [STREAMS, INDEX, GONE, GONE_AGE];
/** The stream of `room` (`null`: relay-wide announcements). */
export const streamOf = (room: string | null) => (room === null ? EVERYONE : `${PREFIX}room:${room}`);

/** A stream entry, read back. */
export interface Entry {
  /** The millisecond Redis stored it at. */
  readonly ms: number;
  /** The counter part of the entry id: one order for every stream. */
  readonly seq: number;
  /** The message id. */
  readonly id: string;
  readonly json: string;
}
/** An entry as node-redis answers XRANGE. */
export type StreamEntry = { id: string; message: Record<string, string> };

/** The entries of a script's XRANGE reply: `[id, [field, value, ...]]` each. */
export function rawEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map(([id, fields]: [string, string[]]) => {
    const message: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) message[String(fields[i])] = String(fields[i + 1]);
    return { id: String(id), message };
  });
}

/** Reads a stream entry (`<ms>-<seq>`, fields `i`: message id, `m`: message JSON). */
export const entry = ({ id, message: fields }: StreamEntry): Entry => ({
  ms: Number(id.slice(0, id.indexOf('-'))),
  seq: Number(id.slice(id.indexOf('-') + 1)),
  id: fields.i ?? '',
  json: fields.m ?? '{}',
});

/** The message an entry holds. */
export const message = ({ json }: Entry): LoggedMessage => JSON.parse(json) as LoggedMessage;

/**
 * The XRANGE (reading after a cursor) or XREVRANGE (the newest, or before a cursor) bounds of a page,
 * without its COUNT: `at` is the cursor's entry while it is stored or since it was redacted, else (it
 * was trimmed) it is placed by `ms`, its id's time. Never further back than `since`, the age limit:
 * expired entries the trim has not deleted yet would fill a page, which then came back empty with
 * `more: false`.
 */
export function readRange(
  query: Pick<HistoryQuery, 'after' | 'before'>,
  at: string | undefined,
  ms: number,
  since: number,
): string[] {
  const floor = `${since}-0`;
  if (query.after !== undefined) {
    const start =
      at === undefined
        ? `${Math.max(ms, since)}-0`
        : Number(at.slice(0, at.indexOf('-'))) < since
          ? floor
          : `(${at}`;
    return ['XRANGE', start, '+'];
  }
  const end = query.before === undefined ? '+' : at === undefined ? `(${ms + 1}-0` : `(${at}`;
  return ['XREVRANGE', end, floor];
}
