import type { Logger } from 'pino';
import { EpisodeLog } from './episode-log.js';
import type { Sender } from './events.js';
import type { RelayError } from './relay-error.js';

/** What {@link RefusalLog.refused} is told besides the refusal. */
export interface RefusalNote {
  /**
   * The sender is being dropped: this refusal is logged whatever the episode, with the episode's count,
   * and ends it.
   */
  readonly final?: boolean;
  /** Part of a batch whose first refusal was just logged: counted, not logged again. */
  readonly logged?: boolean;
}

/**
 * The log lines of the publish path's refusals, so that a flood of refused input cannot flood the log:
 * only the first refusal of a sender's episode is logged, and the episode's summary line says how many
 * followed. An outage (`RELAY_ERR_NOT_READY`, `RELAY_ERR_STORE_UNAVAILABLE`) is one episode for every
 * sender: logged once, until {@link RefusalLog.recovered} says a write went through again.
 *
 * @example
 * ```ts
 * const refusals = new RefusalLog(logger);
 * refusals.refused(error, message.from);
 * refusals.close(); // the summaries of episodes still open
 * ```
 */
export class RefusalLog {
  readonly #log: Logger;
  readonly #episodes: EpisodeLog<{ code: string; from: Sender; err: string; client?: string }>;
  #outageLogged = false;

  readonly #clientOf: (from: Sender) => string | undefined;

  /**
   * `clientOf`: the client a sender's refusals are grouped by (a person's sockets: their address), so
   * that one client opening many sockets is one episode, not one per socket; default: the sender.
   */
  constructor(log: Logger, clientOf: (from: Sender) => string | undefined = () => undefined) {
    this.#log = log;
    this.#clientOf = clientOf;
    this.#episodes = new EpisodeLog({
      ended: ({ first, count, startedAt, lastAt }) =>
        log.warn(
          {
            code: first.code,
            from: first.from,
            ...(first.client === undefined ? {} : { client: first.client }),
            refused: count,
            durationMs: lastAt - startedAt,
          },
          'input refusals ended',
        ),
    });
  }

  /** Logs the refusal of `from`'s input with `error`, if its episode is not logged yet. */
  refused(error: RelayError, from: Sender, note: RefusalNote = {}): void {
    const client = this.#clientOf(from);
    const key = client === undefined ? `${from.kind}:${from.id}` : `client:${client}`;
    const line = { code: error.code, from, err: error.message, ...(client === undefined ? {} : { client }) };
    if (note.final) {
      const episode = this.#episodes.end(key);
      // The final refusal is about an event already counted in the episode.
      this.#log.warn({ ...line, refused: episode?.count ?? 1 }, 'input refused');
    } else if (error.code === 'RELAY_ERR_NOT_READY' || error.code === 'RELAY_ERR_STORE_UNAVAILABLE') {
      if (!this.#outageLogged && !note.logged) this.#log.warn(line, 'input refused');
      this.#outageLogged = true;
    } else if (!note.logged && this.#episodes.note(key, line)) {
      this.#log.warn(line, 'input refused');
    }
  }

  /** A message was kept or committed: the outage, if there was one, is over. */
  recovered(): void {
    this.#outageLogged = false;
  }

  /** Ends the episodes still open, writing the summary of each that had more than one refusal. Idempotent. */
  close(): void {
    this.#episodes.close();
  }
}
