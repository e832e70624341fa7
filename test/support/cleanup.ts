import { afterEach } from 'vitest';

type Closer = () => unknown;
const closers: Closer[] = [];

/** Registers something to close after the current test; closed in reverse order of opening. */
export function track<T>(resource: T, close: (resource: T) => unknown): T {
  closers.push(() => close(resource));
  return resource;
}

afterEach(async () => {
  const pending = closers.splice(0).reverse();
  for (const close of pending) await close();
});
