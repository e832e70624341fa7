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
