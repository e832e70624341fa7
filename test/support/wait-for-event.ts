type Listener = (...args: unknown[]) => void;
type LooseEmitter = {
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
};
// Typed sockets restrict event names; these helpers take any emitter that has on/off.
type Emitter = object;
const loose = (emitter: Emitter) => emitter as LooseEmitter;

/**
 * Resolves with the arguments of the next `event` on `emitter` that `filter` accepts; rejects after
 * `timeoutMs` with a message naming the event. `connect_error` rejects a wait for `connect` at once.
 */
export function waitForEvent<T extends unknown[] = unknown[]>(
  emitter: Emitter,
  event: string,
  options: { timeoutMs?: number; filter?: (...args: T) => boolean } = {},
): Promise<T> {
  const { timeoutMs = 3000, filter } = options;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      if (filter && !filter(...(args as T))) return;
      cleanup();
      resolve(args as T);
    };
    const failed = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      loose(emitter).off(event, listener);
      if (event === 'connect') loose(emitter).off('connect_error', failed as Listener);
    };
    loose(emitter).on(event, listener);
    if (event === 'connect') loose(emitter).on('connect_error', failed as Listener);
  });
}

/**
 * Collects every `event` for `ms` milliseconds: to prove that something did NOT arrive, wait long enough
 * for it to have arrived had it been sent (a later message proves ordering where one exists).
 */
export async function collectEvents<T extends unknown[] = unknown[]>(
  emitter: Emitter,
  event: string,
  ms: number,
): Promise<T[]> {
  const seen: T[] = [];
  const listener = (...args: unknown[]) => seen.push(args as T);
  loose(emitter).on(event, listener);
  await new Promise((resolve) => setTimeout(resolve, ms));
  loose(emitter).off(event, listener);
  return seen;
}
