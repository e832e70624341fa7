/**
 * One timer for many deadlines: it fires at the earliest time asked for since it last fired, so a queue
 * with many due times keeps one timer, re-armed only when something is due sooner.
 *
 * @example
 * ```ts
 * const timer = new EarliestTimer(() => pump());
 * timer.at(Date.now() + 1000);
 * timer.at(Date.now() + 10); // fires in 10 ms, once
 * ```
 */
export class EarliestTimer {
  readonly #fire: () => void;
  #timer: NodeJS.Timeout | undefined;
  #at = Number.POSITIVE_INFINITY;

  constructor(fire: () => void) {
    this.#fire = fire;
  }

  /** Fires at `time` (ms since the epoch) unless it is already armed for then or sooner. */
  at(time: number): void {
    if (time >= this.#at) return;
    clearTimeout(this.#timer);
    this.#at = time;
    this.#timer = setTimeout(
      () => {
        this.#at = Number.POSITIVE_INFINITY;
        this.#fire();
      },
      Math.max(0, time - Date.now()),
    );
  }

  /** Disarms it; a later `at` arms it again. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#at = Number.POSITIVE_INFINITY;
  }
}
