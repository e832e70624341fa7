import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/index.js';

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

/** A real pino logger whose lines are kept in memory for assertions. */
export function captureLogs(level: 'info' | 'debug' | 'warn' = 'debug'): {
  logger: Logger;
  lines: LogLine[];
  find(predicate: (line: LogLine) => boolean): LogLine | undefined;
} {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  const logger = createLogger({ level, destination });
  return { logger, lines, find: (predicate) => lines.find(predicate) };
}

/** pino's numeric level for `warn`. */
export const WARN = 40;
