import type { Logger } from 'pino';
import { EpisodeLog } from '../relay/episode-log.js';

/**
 * A bot's refused or failed sends, logged once per episode of one code, with a summary line when the
 * episode ends: a handler replying 2 000 times over its rate limit was 2 000 `message not sent` lines.
 * A loop the relay stopped (`RELAY_ERR_LOOP_DETECTED`) is what the limit is for, so it is info, not warn.
 *
 * @example
 * ```ts
 * const failures = new SendFailureLog(log);
 * sent.catch((error) => failures.note(error, room));
 * failures.close(); // as the bot stops
 * ```
 */
export class SendFailureLog {
  readonly #log: Logger;
  readonly #episodes: EpisodeLog<{ room: string | null }>;

  constructor(log: Logger) {
    this.#log = log;
    this.#episodes = new EpisodeLog({
      ended: ({ key, first, count, startedAt, lastAt }) =>
        log[levelOf(key)](
          { code: key, room: first.room, failed: count, durationMs: lastAt - startedAt },
          'messages not sent ended',
        ),
    });
  }

  note(error: Error & { code?: string }, room: string | null): void {
    const code = error.code ?? 'unknown';
    if (this.#episodes.note(code, { room })) {
      this.#log[levelOf(code)]({ code: error.code, room, err: error.message }, 'message not sent');
    }
  }

  /** Writes the summaries of the episodes still open. Idempotent. */
  close(): void {
    this.#episodes.close();
  }
}

const levelOf = (code: string) => (code === 'RELAY_ERR_LOOP_DETECTED' ? 'info' : 'warn');
