/** Node's longest timer (2^31 - 1 ms, ~24.8 days): a longer delay fires after 1 ms, with a warning. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * `work`, or a rejection with what `timedOut()` returns once `ms` have passed without it settling. The
 * timer is cleared as soon as either happens, and keeps no process alive. `work` goes on running:
 * `timedOut` is where a caller says what to do with it then.
 *
 * @example
 * ```ts
 * await withDeadline(authenticate(request), 10_000, () => new RelayError('RELAY_ERR_AUTH_UNAVAILABLE', '…'));
 * ```
 */
export function withDeadline<T>(work: T | Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
    timer.unref();
  });
  return Promise.race([Promise.resolve(work), late]).finally(() => clearTimeout(timer));
}
