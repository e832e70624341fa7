import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Finds a system binary a test file needs (chromium, redis-server) by absolute path or on PATH.
 * Returns its path; when it is missing, throws under CI (env `CI` set: a missing binary must fail the
 * run, never skip it) and otherwise prints why and returns `undefined`, for `describe.skipIf(!path)`.
 *
 * @example
 * ```ts
 * const chromium = requireBinary('chromium', { paths: ['/usr/bin/chromium'], install: 'apt-get install -y chromium' });
 * describe.skipIf(!chromium)('chat page in a browser', () => { … });
 * ```
 */
export function requireBinary(
  name: string,
  options: { paths?: readonly string[]; install?: string } = {},
): string | undefined {
  const candidates = [
    ...(options.paths ?? []),
    ...(isAbsolute(name)
      ? [name]
      : (process.env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, name))),
  ];
  const found = candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (found) return found;
  const hint = options.install ? ` (install it: ${options.install})` : '';
  if (process.env.CI) throw new Error(`${name} is required in CI but was not found${hint}`);
  console.warn(`skipping tests that need ${name}: not found${hint}`);
  return undefined;
}
