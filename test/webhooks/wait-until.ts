// Waiting for a condition that no event announces (a log line, a row in the store), with a deadline.
/** Resolves once `check()` is truthy, checking every 10 ms; rejects after `timeoutMs` naming `what`. */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits `ms` to assert that nothing more happened: only ever after a positive wait. */
export const quietWindow = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
