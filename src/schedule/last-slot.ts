/** What {@link lastSlot} needs of a node-cron task: whether a given second is one of its slots. */
export interface SlotMatcher {
  match(date: Date): boolean;
}

/**
 * The latest cron slot `s` with `after < s <= until` (epoch ms), or `undefined`. Used for the missed-run
 * policy: it walks back second by second, so callers bound the window (the grace period is at most an hour,
 * 3,600 checks).
 *
 * @example
 * ```ts
 * lastSlot(task, Date.now() - 60_000, Date.now()); // the last slot of the past minute, if any
 * ```
 */
export function lastSlot(matcher: SlotMatcher, after: number, until: number): Date | undefined {
  for (let second = Math.floor(until / 1000) * 1000; second > after; second -= 1000) {
    const date = new Date(second);
    if (matcher.match(date)) return date;
  }
  return undefined;
}
