import { afterEach } from 'vitest';

type Closer = () => unknown;
const closers: Closer[] = [];

/** Registers something to close after the current test; closed in reverse order of opening. */
export function track<T>(resource: T, close: (resource: T) => unknown): T {
  closers.push(() => close(resource));
  return resource;
}

/**
 * Runs every closer in order, each even when an earlier one threw, so one failing close leaks nothing;
 * then rethrows the one failure, or an AggregateError naming every failure.
 */
export async function closeAll(pending: readonly Closer[]): Promise<void> {
  const failures: unknown[] = [];
  for (const close of pending) {
    try {
      await close();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const reasons = failures.map((error) => (error instanceof Error ? error.message : String(error)));
    throw new AggregateError(failures, `${failures.length} closers failed: ${reasons.join('; ')}`);
  }
}

afterEach(() => closeAll(closers.splice(0).reverse()));
