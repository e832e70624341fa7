import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * Maps `items` with `map` in slices of about `sliceMs` of work, letting the event loop run (sockets,
 * timers, other requests) between slices, so that a long list never holds it for longer than one slice
 * and one item. `map` returning `undefined` leaves the item out (e.g. one removed while waiting).
 *
 * @example
 * ```ts
 * const views = await mapInSlices(jobs, (job) => viewJob(job, state, options));
 * ```
 */
export async function mapInSlices<T, R>(
  items: readonly T[],
  map: (item: T) => R | undefined,
  sliceMs = 10,
): Promise<R[]> {
  const results: R[] = [];
  let sliceStart = performance.now();
  for (const item of items) {
    if (performance.now() - sliceStart >= sliceMs) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const result = map(item);
    if (result !== undefined) results.push(result);
  }
  return results;
}
