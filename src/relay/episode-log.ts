/** One episode of an {@link EpisodeLog}: occurrences of one key with no quiet period between them. */
export interface Episode<T> {
  readonly key: string;
  /** What the caller said about the occurrence that opened the episode. */
  readonly first: T;
  /** Occurrences in the episode, the first included. */
  readonly count: number;
  readonly startedAt: number;
  readonly lastAt: number;
}

/** How an {@link EpisodeLog} groups occurrences, and what it does when an episode ends. */
export interface EpisodeLogOptions<T> {
  /** An episode ends once its key has been quiet this long (ms). Default {@link EPISODE_QUIET_MS}. */
  readonly quietMs?: number;
  /**
   * Episodes followed at once (default {@link MAX_EPISODES}). Past it, occurrences of new keys share one
   * episode under {@link OVERFLOW_KEY}, so many sources (addresses, sockets) cannot add lines or memory.
   */
  readonly maxEpisodes?: number;
  /** Called when an episode of more than one occurrence ends: the place to write its summary line. */
  ended(episode: Episode<T>): void;
}

/** Quiet period that ends an episode by default: 10 s without an occurrence of its key. */
export const EPISODE_QUIET_MS = 10_000;
/** Episodes an {@link EpisodeLog} follows at once by default. */
export const MAX_EPISODES = 1000;
/** The key occurrences of new keys share while an {@link EpisodeLog} already follows its maximum. */
export const OVERFLOW_KEY = '(many)';

interface OpenEpisode<T> {
  first: T;
  count: number;
  startedAt: number;
  lastAt: number;
}

/**
 * Logs a repeated event once per episode instead of once per occurrence: {@link EpisodeLog.note} says
 * whether an occurrence opens an episode (write its line) or belongs to one going on (count it only).
 * An episode ends after `quietMs` without an occurrence of its key, and `ended` then gets how many there
 * were, for one summary line. Memory is bounded by `maxEpisodes`; one timer, unref'd, runs while any
 * episode is open.
 *
 * @example
 * ```ts
 * const refusals = new EpisodeLog<{ code: string }>({
 *   ended: ({ key, count }) => log.warn({ address: key, refused: count }, 'refusals ended'),
 * });
 * if (refusals.note(address, { code })) log.warn({ address, code }, 'request refused');
 * ```
 */
export class EpisodeLog<T> {
  readonly #quietMs: number;
  readonly #maxEpisodes: number;
  readonly #ended: (episode: Episode<T>) => void;
  // Least recently seen first: each occurrence moves its key to the end, so quiet ones are at the front.
  readonly #open = new Map<string, OpenEpisode<T>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: EpisodeLogOptions<T>) {
    this.#quietMs = options.quietMs ?? EPISODE_QUIET_MS;
    this.#maxEpisodes = Math.max(1, options.maxEpisodes ?? MAX_EPISODES);
    this.#ended = options.ended;
  }

  /** Episodes open now. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Counts one occurrence of `key`; true when it opens an episode (log it, with `detail`), false when it
   * belongs to one going on. After `close()` it still groups occurrences, but episodes then end only when
   * a later occurrence finds them quiet.
   */
  note(key: string, detail: T): boolean {
    const now = Date.now();
    this.#endQuiet(now);
    let episodeKey = key;
    let episode = this.#open.get(key);
    if (!episode && this.#open.size >= this.#maxEpisodes) {
      episodeKey = OVERFLOW_KEY;
      episode = this.#open.get(OVERFLOW_KEY);
      // The overflow episode needs a place too: the least recently seen episode ends early.
      if (!episode) this.#endOldest();
    }
    if (episode) {
      episode.count += 1;
      episode.lastAt = now;
      this.#open.delete(episodeKey);
      this.#open.set(episodeKey, episode);
      return false;
    }
    this.#open.set(episodeKey, { first: detail, count: 1, startedAt: now, lastAt: now });
    this.#arm();
    return true;
  }

  /** Ends `key`'s episode now, without calling `ended`: for a caller that writes the last line itself. */
  end(key: string): Episode<T> | undefined {
    const episode = this.#open.get(key);
    if (!episode) return undefined;
    this.#open.delete(key);
    return { key, ...episode };
  }

  /**
   * Ends every open episode (calling `ended` for those with more than one occurrence) and stops the
   * timer for good. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#open.size > 0) this.#endOldest();
  }

  #endQuiet(now: number): void {
    for (const [key, episode] of this.#open) {
      if (now - episode.lastAt < this.#quietMs) return;
      this.#finish(key, episode);
    }
  }

  #endOldest(): void {
    const oldest = this.#open.entries().next();
    if (!oldest.done) this.#finish(oldest.value[0], oldest.value[1]);
  }

  #finish(key: string, episode: OpenEpisode<T>): void {
    this.#open.delete(key);
    if (episode.count > 1) {
      try {
        this.#ended({ key, ...episode });
      } catch {
        // A summary that cannot be written must not break the refusal path that noted the occurrence.
      }
    }
  }

  // One timer for the episode that would end first; it re-arms for the next one.
  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const oldest = this.#open.values().next();
    if (oldest.done) return;
    const wait = Math.max(0, oldest.value.lastAt + this.#quietMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#endQuiet(Date.now());
      this.#arm();
    }, wait);
    this.#timer.unref?.();
  }
}
