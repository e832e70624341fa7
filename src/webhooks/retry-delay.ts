/**
 * How long a delivery waits after its `attempts`-th failed attempt: `baseMs` doubled at each attempt,
 * capped at `maxMs`, then jittered over the upper half of that (so that many deliveries failing together
 * do not come back together). `random` is `Math.random` but for tests.
 *
 * @example
 * ```ts
 * retryDelay(3, { retryBaseMs: 1000, retryMaxMs: 300_000 }); // between 2000 and 4000
 * ```
 */
export function retryDelay(
  attempts: number,
  settings: { readonly retryBaseMs: number; readonly retryMaxMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
