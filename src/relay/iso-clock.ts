/**
 * `new Date().toISOString()` made cheaply: Date#toISOString costs over a microsecond, the largest part
 * of RelayKit's own work in a publish; only the milliseconds change within a second, so the rest is
 * made once a second. Same text as toISOString().
 *
 * @example
 * ```ts
 * const clock = new IsoClock();
 * clock.now(); // '2026-12-01T10:00:00.123Z'
 * ```
 */
export class IsoClock {
  #second = Number.NaN;
  #prefix = '';

  /** The current time as ISO 8601 text, to the millisecond. */
  now(): string {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#prefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    const ms = now - second * 1000;
    return `${this.#prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
  }
}
