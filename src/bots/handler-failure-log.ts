import type { Logger } from 'pino';
import { EpisodeLog } from '../relay/episode-log.js';

/** What a failure line must carry: the stable code, and the handler's name (`command !ping`). */
type FailureFields = { readonly code: string; readonly handler: string } & Record<string, unknown>;

interface First {
  readonly level: 'warn' | 'error';
  readonly code: string;
  readonly handler: string;
}

/**
 * The log lines of a bot's failing handlers: the first failure of a handler with a code is logged, the
 * ones that follow it without 10 s of quiet are only counted, and `handler failures ended` says how many
 * there were once it is quiet or the bot stops, so that a handler failing on every message is two lines,
 * not one a message.
 *
 * @example
 * ```ts
 * const failures = new HandlerFailureLog(log);
 * failures.failed('error', { code: 'RELAY_ERR_BOT_HANDLER_FAILED', handler: 'command !ping', err }, 'handler failed');
 * failures.close(); // as the bot stops: the counts of the episodes still open
 * ```
 */
export class HandlerFailureLog {
  readonly #log: Logger;
  readonly #episodes: EpisodeLog<First>;

  constructor(log: Logger) {
    this.#log = log;
    this.#episodes = new EpisodeLog({
      ended: ({ first, count, startedAt, lastAt }) =>
        log[first.level](
          { code: first.code, handler: first.handler, failed: count, durationMs: lastAt - startedAt },
          'handler failures ended',
        ),
    });
  }

  /** Logs `fields` with `message` at `level` when this failure starts an episode; else counts it. */
  failed(level: 'warn' | 'error', fields: FailureFields, message: string): void {
    const { code, handler } = fields;
    // By level too: a late failure of an abandoned handler (warn) must not hide its real failures (error).
    const key = `${level} ${code} ${handler}`;
    if (this.#episodes.note(key, { level, code, handler })) this.#log[level](fields, message);
  }

  /** Writes the counts of the episodes still open. Idempotent. */
  close(): void {
    this.#episodes.close();
  }
}
